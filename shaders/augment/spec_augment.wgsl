// SpecAugment masking of a batch of spectrograms x (B, F, T) -> y (B, F, T). Sample b gets
// freqMasks frequency masks then timeMasks time masks; mask k (k < freqMasks + timeMasks) draws
//   r = philox((k, step, b, TAG), key = (seedLo, seedHi))
//   width = r.x % (maxWidth + 1)          (0 means no mask: "up to" N masks, as torchaudio)
//   start = r.y % (size - width + 1)       (size = F or T; maxWidth <= size is checked on the host)
// and covers rows (or columns) [start, start + width). Covered elements become the fill value:
// params.fillValue, or the sample's mean over all F * T values when params.fillMean == 1.
// Bindings: x (B, F, T), y (B, F, T).
// Dispatch: (B, 1, 1), one workgroup per sample (the mean is a workgroup reduction). WG must be
// a power of two and at least MAX_MASKS (one invocation draws each mask).
override WG: u32 = 256u;

const MAX_MASKS: u32 = 64u;
// Distinguishes this stream from other users of the same seed (dropout uses tag 0).
const TAG: u32 = 0x53504543u;

struct Params {
  batch: u32,
  freq: u32,
  time: u32,
  seedLo: u32,
  seedHi: u32,
  step: u32,
  freqMasks: u32,
  maxFreqWidth: u32,
  timeMasks: u32,
  maxTimeWidth: u32,
  fillMean: u32,
  fillValue: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, WG>;
// Mask k covers [masks[k].x, masks[k].y).
var<workgroup> masks: array<vec2<u32>, MAX_MASKS>;

// mulHiLo and philox come from shaders/random/philox.wgsl, prepended by the dispatcher.

// workgroupSum comes from shaders/reduce/workgroup_sum.wgsl, prepended by the dispatcher.

fn covered(k0: u32, k1: u32, i: u32) -> bool {
  for (var k = k0; k < k1; k++) {
    if (i >= masks[k].x && i < masks[k].y) { return true; }
  }
  return false;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wid.x >= params.batch) { return; }
  let b = wid.x;
  let n = params.freq * params.time;
  let base = b * n;
  let total = params.freqMasks + params.timeMasks;
  if (lid < total) {
    let r = philox(vec4<u32>(lid, params.step, b, TAG), vec2<u32>(params.seedLo, params.seedHi));
    let isFreq = lid < params.freqMasks;
    let size = select(params.time, params.freq, isFreq);
    let width = r.x % (select(params.maxTimeWidth, params.maxFreqWidth, isFreq) + 1u);
    let start = r.y % (size - width + 1u);
    masks[lid] = vec2<u32>(start, start + width);
  }
  var fill = params.fillValue;
  if (params.fillMean == 1u) {
    var sum = 0.0;
    for (var e = lid; e < n; e += WG) { sum += x[base + e]; }
    fill = workgroupSum(lid, sum) / f32(n);
  } else {
    workgroupBarrier();
  }
  for (var e = lid; e < n; e += WG) {
    let f = e / params.time;
    let t = e - f * params.time;
    let masked = covered(0u, params.freqMasks, f) || covered(params.freqMasks, total, t);
    y[base + e] = select(x[base + e], fill, masked);
  }
}
