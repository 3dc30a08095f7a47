// Batched onesided STFT, |X|^power (torch.stft + abs().pow(power), torchaudio's spectrogram):
//   spec[b, k, t] = |sum_n frame[n] * window[n] * exp(-2πi k n / N_FFT)|^power,  k < nFreqs
// where frame[n] is sample t * hopLength + n of clip b after zero `pad` on both ends and, when
// centred, centrePad = N_FFT / 2 more on both ends extended by padMode (0 reflect, 1 constant,
// 2 replicate, 3 circular). A direct DFT, so any N_FFT works: the twiddle index (k * n) mod N_FFT
// steps through exact cos/sin tables, summed in blocks of 32 terms to keep float32 error small.
// Bindings: x (B, samples), window (N_FFT), cosTable (N_FFT), sinTable (N_FFT),
//           spec (B, nFreqs, frames).
// Dispatch: (frames, B, 1) workgroups: one frame per workgroup, its threads stride over bins.
override WG: u32 = 64u;
override N_FFT: u32 = 400u;

struct Params { samples: u32, frames: u32, nFreqs: u32, hopLength: u32, pad: u32, centerPad: u32, padMode: u32, power: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> window: array<f32>;
@group(0) @binding(3) var<storage, read> cosTable: array<f32>;
@group(0) @binding(4) var<storage, read> sinTable: array<f32>;
@group(0) @binding(5) var<storage, read_write> spec: array<f32>;

var<workgroup> frame: array<f32, N_FFT>;

// Sample i of the centre-padded signal of clip b.
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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = wid.x;
  let b = wid.y;
  if (t >= params.frames) { return; }
  let start = i32(t * params.hopLength);
  for (var n = lid.x; n < N_FFT; n += WG) {
    frame[n] = sample(b, start + i32(n)) * window[n];
  }
  workgroupBarrier();
  for (var k = lid.x; k < params.nFreqs; k += WG) {
    var re = 0.0;
    var im = 0.0;
    var idx = 0u; // (k * n) mod N_FFT, stepped without overflow
    var n = 0u;
    while (n < N_FFT) {
      var blockRe = 0.0;
      var blockIm = 0.0;
      let end = min(n + 32u, N_FFT);
      for (; n < end; n++) {
        let v = frame[n];
        blockRe += v * cosTable[idx];
        blockIm += v * sinTable[idx];
        idx += k;
        if (idx >= N_FFT) { idx -= N_FFT; }
      }
      re += blockRe;
      im += blockIm;
    }
    let power = re * re + im * im;
    var out: f32;
    if (params.power == 2.0) {
      out = power;
    } else if (params.power == 1.0) {
      out = sqrt(power);
    } else {
      out = pow(power, 0.5 * params.power);
    }
    spec[(b * params.nFreqs + k) * params.frames + t] = out;
  }
}
