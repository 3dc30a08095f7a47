// Batched onesided STFT, |X|^power (torch.stft + abs().pow(power), torchaudio's spectrogram):
//   spec[b, k, t] = |sum_n frame(b, t)[n] * w[n] * exp(-2πi k n / N_FFT)|^power,  k < nFreqs
// frame(b, t)[n] is sample t * hopLength + n of clip b after zero `pad` on both ends and, when
// centred, centerPad = N_FFT / 2 more on both ends extended by padMode (0 reflect, 1 constant,
// 2 replicate, 3 circular). A direct DFT written as a matmul of frames with a basis, so any N_FFT
// works: windowedCos[n, k] = w[n] cos(2πkn/N), windowedSin likewise (built on the host).
// Register blocking: each invocation owns one bin k for FRAMES consecutive frames; the lanes of
// a workgroup take consecutive bins, so basis reads are contiguous and the frames' samples (one
// shared span in workgroup memory) are the same for every lane. Sums run in blocks of 32 terms
// to keep float32 error well under the 0.01 dB the front end promises.
// Bindings: x (B, samples), windowedCos (N_FFT, nFreqs), windowedSin (N_FFT, nFreqs),
//           spec (B, nFreqs, frames).
// Dispatch: (ceil(nFreqs / WG), ceil(frames / FRAMES), B) workgroups.
override WG: u32 = 32u;
override FRAMES: u32 = 8u;   // at most MAX_FRAMES
override N_FFT: u32 = 400u;
override SPAN: u32 = 1800u;  // (FRAMES - 1) * hopLength + N_FFT samples shared by the workgroup
const MAX_FRAMES: u32 = 8u;

struct Params { samples: u32, frames: u32, nFreqs: u32, hopLength: u32, pad: u32, centerPad: u32, padMode: u32, power: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> windowedCos: array<f32>;
@group(0) @binding(3) var<storage, read> windowedSin: array<f32>;
@group(0) @binding(4) var<storage, read_write> spec: array<f32>;

var<workgroup> span: array<f32, SPAN>;

// Sample i of the centre-padded signal of clip b (0 past what any padding defines).
fn sample(b: u32, i: i32) -> f32 {
  let padded = i32(params.samples + 2u * params.pad); // length after the zero `pad`
  var j = i - i32(params.centerPad);
  if (j < 0 || j >= padded) {
    switch params.padMode {
      case 0u: { j = select(2 * (padded - 1) - j, -j, j < 0); }       // reflect (no edge repeat)
      case 2u: { j = clamp(j, 0, padded - 1); }                         // replicate
      case 3u: { j = ((j % padded) + padded) % padded; }                // circular
      default: { return 0.0; }                                          // constant
    }
  }
  let s = j - i32(params.pad);
  if (s < 0 || s >= i32(params.samples)) { return 0.0; }
  return x[b * params.samples + u32(s)];
}

fn magnitude(re: f32, im: f32) -> f32 {
  let power = re * re + im * im;
  if (params.power == 2.0) { return power; }
  if (params.power == 1.0) { return sqrt(power); }
  return pow(power, 0.5 * params.power);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t0 = wid.y * FRAMES;
  let b = wid.z;
  if (t0 >= params.frames) { return; }
  let start = i32(t0 * params.hopLength);
  for (var i = lid.x; i < SPAN; i += WG) {
    span[i] = sample(b, start + i32(i));
  }
  workgroupBarrier();
  let k = wid.x * WG + lid.x;
  if (k >= params.nFreqs) { return; }
  var re: array<f32, MAX_FRAMES>;
  var im: array<f32, MAX_FRAMES>;
  var n = 0u;
  while (n < N_FFT) {
    // NOTE: zeroed explicitly: the declaration's implicit zero is not redone every iteration
    // by every driver stack (lavapipe kept the previous block's sums).
    var blockRe: array<f32, MAX_FRAMES>;
    var blockIm: array<f32, MAX_FRAMES>;
    for (var r = 0u; r < FRAMES; r++) {
      blockRe[r] = 0.0;
      blockIm[r] = 0.0;
    }
    let end = min(n + 32u, N_FFT);
    for (; n < end; n++) {
      let c = windowedCos[n * params.nFreqs + k];
      let s = windowedSin[n * params.nFreqs + k];
      for (var r = 0u; r < FRAMES; r++) {
        let v = span[r * params.hopLength + n];
        blockRe[r] += v * c;
        blockIm[r] += v * s;
      }
    }
    for (var r = 0u; r < FRAMES; r++) {
      re[r] += blockRe[r];
      im[r] += blockIm[r];
    }
  }
  for (var r = 0u; r < FRAMES; r++) {
    let t = t0 + r;
    if (t < params.frames) {
      spec[(b * params.nFreqs + k) * params.frames + t] = magnitude(re[r], im[r]);
    }
  }
}
