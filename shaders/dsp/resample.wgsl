// Band-limited resampling by a windowed-sinc polyphase filter (torchaudio.functional.resample):
//   y[b, j] = sum_{m < taps} x[b, q * origFreq + m - width] * kernel[j % newFreq, m],  q = j / newFreq
// with x taken as 0 outside the clip. origFreq and newFreq are reduced by their gcd; the kernel
// (newFreq, taps = 2 * width + origFreq) is built on the CPU, with each phase's nonzero taps in
// ranges: past lowpassFilterWidth zero crossings the window is 0, so the loop skips them (at
// 44100 -> 8000 only ~70 of 509 taps are nonzero).
// Bindings: x (B, samples), kernel (newFreq, taps), ranges (newFreq, 2) u32, y (B, outLength).
// Dispatch: 1-D over size = B * outLength (dispatch1d).
override WG: u32 = 256u;

struct Params { size: u32, samples: u32, outLength: u32, origFreq: u32, newFreq: u32, taps: u32, width: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> kernel: array<f32>;
@group(0) @binding(3) var<storage, read> ranges: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let j = i % params.outLength;
  let b = i / params.outLength;
  let phase = j % params.newFreq;
  // First input sample under tap 0; the taps that fall outside the clip are skipped (zeros).
  let start = i32((j / params.newFreq) * params.origFreq) - i32(params.width);
  let mFirst = max(u32(max(0, -start)), ranges[2u * phase]);
  let mEnd = min(u32(clamp(i32(params.samples) - start, 0, i32(params.taps))), ranges[2u * phase + 1u]);
  var sum = 0.0;
  for (var m = mFirst; m < mEnd; m++) {
    sum += x[b * params.samples + u32(start + i32(m))] * kernel[phase * params.taps + m];
  }
  y[i] = sum;
}
