// Waveform augmentation of a batch of clips x (B, N) -> y (B, N), every random choice drawn from
// Philox4x32-10 under key (seedLo, seedHi), so a (seed, step) pair augments clip b the same way on
// every adapter and in the CPU reference. Per clip b:
//   draws  = philox((0, step, b, TAG_PARAMS))   shift, gain, SNR and speed values
//   gates  = philox((1, step, b, TAG_PARAMS))   component on when (gate >> 8) < p * 2^24
//   s[j]   = x at j * speed, linear interpolation, x[k] = 0 for k >= N      (speed perturbation)
//   c[i]   = gain * s[i - shift], the index wrapped (circular) or zero outside [0, N)
//   y[i]   = c[i] + rms(c) * 10^(-snr / 20) * n[i]                          (white noise at SNR)
// where n[i] is standard normal by Box-Muller from philox((i / 4, step, b, TAG_NOISE)), four
// normals per call. An off component is the identity (shift 0, gain 1, speed 1, no noise).
// Bindings: x (B, N), y (B, N).
// Dispatch: (B, 1, 1), one workgroup per clip: a workgroup reduction gives rms(c) before the
// noise goes in. WG must be a power of two (tree reduction).
override WG: u32 = 256u;

// Distinguish these streams from other users of the same seed (dropout uses tag 0).
const TAG_PARAMS: u32 = 0x57415650u;
const TAG_NOISE: u32 = 0x5741564eu;

struct Params {
  batch: u32,
  samples: u32,
  seedLo: u32,
  seedHi: u32,
  step: u32,
  shiftGate: u32,
  maxShift: u32,
  circular: u32,
  gainGate: u32,
  gainLo: f32,
  gainSpan: f32,
  noiseGate: u32,
  snrLo: f32,
  snrSpan: f32,
  speedGate: u32,
  speedLo: f32,
  speedSpan: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, WG>;

// mulHiLo and philox come from shaders/random/philox.wgsl, prepended by the dispatcher.

// A draw's top 24 bits as a float in [0, 1) (exact in f32).
fn unit(r: u32) -> f32 {
  return f32(r >> 8u) * 5.9604644775390625e-8;
}

fn gateOpen(r: u32, gate: u32) -> bool {
  return (r >> 8u) < gate;
}

struct Clip { shift: i32, gain: f32, speed: f32, snr: f32, noisy: bool }

fn drawClip(b: u32) -> Clip {
  let key = vec2<u32>(params.seedLo, params.seedHi);
  let draws = philox(vec4<u32>(0u, params.step, b, TAG_PARAMS), key);
  let gates = philox(vec4<u32>(1u, params.step, b, TAG_PARAMS), key);
  var clip = Clip(0, 1.0, 1.0, 0.0, false);
  if (gateOpen(gates.x, params.shiftGate)) {
    clip.shift = i32(draws.x % (2u * params.maxShift + 1u)) - i32(params.maxShift);
  }
  if (gateOpen(gates.y, params.gainGate)) {
    clip.gain = pow(10.0, (params.gainLo + params.gainSpan * unit(draws.y)) / 20.0);
  }
  if (gateOpen(gates.z, params.noiseGate)) {
    clip.noisy = true;
    clip.snr = params.snrLo + params.snrSpan * unit(draws.z);
  }
  if (gateOpen(gates.w, params.speedGate)) {
    clip.speed = params.speedLo + params.speedSpan * unit(draws.w);
  }
  return clip;
}

// c[i] of clip b (row offset base) before noise.
fn clean(base: u32, i: u32, clip: Clip) -> f32 {
  let n = i32(params.samples);
  var j = i32(i) - clip.shift;
  if (params.circular == 1u) {
    j = ((j % n) + n) % n;
  } else if (j < 0 || j >= n) {
    return 0.0;
  }
  if (clip.speed == 1.0) { return clip.gain * x[base + u32(j)]; }
  let pos = f32(j) * clip.speed;
  let k = u32(pos);
  if (k >= params.samples) { return 0.0; }
  let t = pos - f32(k);
  let next = select(0.0, x[base + k + 1u], k + 1u < params.samples);
  return clip.gain * (x[base + k] * (1.0 - t) + next * t);
}

// workgroupSum comes from shaders/reduce/workgroup_sum.wgsl, prepended by the dispatcher.

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wid.x >= params.batch) { return; }
  let b = wid.x;
  let base = b * params.samples;
  let clip = drawClip(b);
  // Each invocation owns whole quads of samples (one Philox call of noise each), in both loops,
  // so the noise pass only reads back what the same invocation wrote.
  var squares = 0.0;
  for (var q = lid; q * 4u < params.samples; q += WG) {
    for (var i = q * 4u; i < min(q * 4u + 4u, params.samples); i++) {
      let v = clean(base, i, clip);
      y[base + i] = v;
      squares += v * v;
    }
  }
  let energy = workgroupSum(lid, squares);
  if (!clip.noisy) { return; }
  let sigma = sqrt(energy / f32(params.samples)) * pow(10.0, -clip.snr / 20.0);
  let key = vec2<u32>(params.seedLo, params.seedHi);
  for (var q = lid; q * 4u < params.samples; q += WG) {
    let r = philox(vec4<u32>(q, params.step, b, TAG_NOISE), key);
    for (var h = 0u; h < 2u; h++) {
      // Box-Muller: u1 in (0, 1] keeps the log finite; the angle is in [-pi, pi).
      let u1 = f32((r[2u * h] >> 8u) + 1u) * 5.9604644775390625e-8;
      let angle = 6.283185307179586 * (unit(r[2u * h + 1u]) - 0.5);
      let radius = sqrt(-2.0 * log(u1));
      let i = q * 4u + 2u * h;
      if (i < params.samples) { y[base + i] += sigma * radius * cos(angle); }
      if (i + 1u < params.samples) { y[base + i + 1u] += sigma * radius * sin(angle); }
    }
  }
}
