// Mel filterbank applied to a batch of spectrograms (torchaudio MelScale: spec^T @ fb):
//   melSpec[b, m, t] = sum_{k in [ranges[2m], ranges[2m+1])} fb[k, m] * spec[b, k, t]
// ranges holds each filter's nonzero bins (found on the CPU), so the sum skips the zeros of the
// triangle: the same result as the dense product, in a fraction of the work.
// Bindings: spec (B, nFreqs, frames), fb (nFreqs, nMels), ranges (nMels, 2) u32,
//           melSpec (B, nMels, frames).
// Dispatch: 1-D over size = B * nMels * frames (dispatch1d), t fastest.
override WG: u32 = 256u;

struct Params { size: u32, nFreqs: u32, nMels: u32, frames: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> spec: array<f32>;
@group(0) @binding(2) var<storage, read> fb: array<f32>;
@group(0) @binding(3) var<storage, read> ranges: array<u32>;
@group(0) @binding(4) var<storage, read_write> melSpec: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let t = i % params.frames;
  let m = (i / params.frames) % params.nMels;
  let b = i / (params.frames * params.nMels);
  let base = b * params.nFreqs * params.frames + t;
  var sum = 0.0;
  for (var k = ranges[2u * m]; k < ranges[2u * m + 1u]; k++) {
    sum += fb[k * params.nMels + m] * spec[base + k * params.frames];
  }
  melSpec[i] = sum;
}
