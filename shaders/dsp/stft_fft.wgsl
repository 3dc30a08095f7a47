// Batched onesided STFT by a mixed-radix Stockham FFT, |X|^power: the same result as stft.wgsl
// (see there for padding and padMode codes) for an N_FFT whose prime factors are 2, 3 and 5.
// One frame per workgroup: the windowed frame goes into workgroup memory as complex values, then
// PASSES radix passes (RADIX0, RADIX1, … from the host's factorisation) ping-pong between the two
// halves of `data`. Pass with radix r after blocks of size p: butterfly i (< N_FFT / r), k = i mod p,
// takes a_j = data[i + j N/r] * exp(-2πi j k / (p r)), and writes its r-point DFT z_q to
// (i - k) r + k + q p. Twiddles come from exact tables of cos/sin(2π m / N_FFT).
// Bindings: x (B, samples), window (N_FFT), cosTable (N_FFT), sinTable (N_FFT),
//           spec (B, nFreqs, frames).
// Dispatch: (frames, B, 1) workgroups.
override WG: u32 = 64u;
override N_FFT: u32 = 400u;
override PASSES: u32 = 4u;
override RADIX0: u32 = 4u;
override RADIX1: u32 = 4u;
override RADIX2: u32 = 5u;
override RADIX3: u32 = 5u;
override RADIX4: u32 = 1u;
override RADIX5: u32 = 1u;
override RADIX6: u32 = 1u;
override RADIX7: u32 = 1u;
const MAX_RADIX: u32 = 5u;

struct Params { samples: u32, frames: u32, nFreqs: u32, hopLength: u32, pad: u32, centerPad: u32, padMode: u32, power: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> window: array<f32>;
@group(0) @binding(3) var<storage, read> cosTable: array<f32>;
@group(0) @binding(4) var<storage, read> sinTable: array<f32>;
@group(0) @binding(5) var<storage, read_write> spec: array<f32>;

var<workgroup> data: array<vec2<f32>, 2u * N_FFT>;

// Sample i of the centre-padded signal of clip b (0 past what any padding defines).
fn sample(b: u32, i: i32) -> f32 {
  let padded = i32(params.samples + 2u * params.pad);
  var j = i - i32(params.centerPad);
  if (j < 0 || j >= padded) {
    switch params.padMode {
      case 0u: { j = select(2 * (padded - 1) - j, -j, j < 0); }
      case 2u: { j = clamp(j, 0, padded - 1); }
      case 3u: { j = ((j % padded) + padded) % padded; }
      default: { return 0.0; }
    }
  }
  let s = j - i32(params.pad);
  if (s < 0 || s >= i32(params.samples)) { return 0.0; }
  return x[b * params.samples + u32(s)];
}

fn radixOf(stage: u32) -> u32 {
  switch stage {
    case 0u: { return RADIX0; }
    case 1u: { return RADIX1; }
    case 2u: { return RADIX2; }
    case 3u: { return RADIX3; }
    case 4u: { return RADIX4; }
    case 5u: { return RADIX5; }
    case 6u: { return RADIX6; }
    default: { return RADIX7; }
  }
}

// exp(-2πi m / N_FFT)
fn twiddle(m: u32) -> vec2<f32> {
  return vec2<f32>(cosTable[m], -sinTable[m]);
}

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

fn magnitude(v: vec2<f32>) -> f32 {
  let power = dot(v, v);
  if (params.power == 2.0) { return power; }
  if (params.power == 1.0) { return sqrt(power); }
  return pow(power, 0.5 * params.power);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = wid.x;
  let b = wid.y;
  if (t >= params.frames) { return; }
  let start = i32(t * params.hopLength);
  for (var n = lid.x; n < N_FFT; n += WG) {
    data[n] = vec2<f32>(sample(b, start + i32(n)) * window[n], 0.0);
  }
  workgroupBarrier();
  var p = 1u;
  var src = 0u;
  for (var stage = 0u; stage < PASSES; stage++) {
    let r = radixOf(stage);
    let count = N_FFT / r;       // butterflies in this pass
    let dst = N_FFT - src;
    let step = N_FFT / (p * r);  // twiddle index of exp(-2πi / (p r))
    let unit = N_FFT / r;        // twiddle index of exp(-2πi / r)
    for (var i = lid.x; i < count; i += WG) {
      let k = i % p;
      var a: array<vec2<f32>, MAX_RADIX>;
      for (var j = 0u; j < r; j++) {
        a[j] = cmul(data[src + i + j * count], twiddle(j * k * step));
      }
      let base = dst + (i - k) * r + k;
      for (var q = 0u; q < r; q++) {
        var z = vec2<f32>(0.0, 0.0);
        for (var j = 0u; j < r; j++) {
          z += cmul(a[j], twiddle(((j * q) % r) * unit));
        }
        data[base + q * p] = z;
      }
    }
    workgroupBarrier();
    p *= r;
    src = dst;
  }
  for (var k = lid.x; k < params.nFreqs; k += WG) {
    spec[(b * params.nFreqs + k) * params.frames + t] = magnitude(data[src + k]);
  }
}
