// Per-band normalisation of a batch of log-mel spectrograms x (B, F, T) -> y (B, F, T), the
// cepstral mean normalisation of speech front ends done on the mel bands: each band loses its
// own mean over the clip's frames (a fixed microphone or room colouring is a constant per band
// in the log domain, so it cancels), then the whole clip is divided by its standard deviation.
// Padding is left out of the statistics: a frame is active when some band lies above the
// sample's minimum (AmplitudeToDB's top_db clamps silence and zero padding to exactly that
// minimum), means and variance are over active frames only, and inactive frames become 0 (the
// normalised mean), so every clip's padding looks the same whatever its length or level.
//   mean[f] = sum_{t active} x[f, t] / nActive
//   var     = sum_{f, t active} (x[f, t] - mean[f])^2 / (nActive * F)
//   y[f, t] = active(t) ? (x[f, t] - mean[f]) / sqrt(var + eps) : 0
// A sample with no active frame (all values equal) becomes all zeros.
// Bindings: x (B, F, T), y (B, F, T).
// Dispatch: (B, 1, 1), one workgroup per sample. WG must be a power of two. F <= MAX_BANDS and
// T <= MAX_FRAMES (checked on the host).
override WG: u32 = 256u;

const MAX_BANDS: u32 = 512u;
const MAX_FRAMES: u32 = 2048u;

struct Params {
  freq: u32,
  time: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, WG>;
var<workgroup> isActive: array<u32, MAX_FRAMES>;
var<workgroup> bandMean: array<f32, MAX_BANDS>;

// workgroupSum comes from shaders/reduce/workgroup_sum.wgsl, prepended by the dispatcher.

// Minimum of `v` over the workgroup; every invocation gets it.
fn workgroupMin(lid: u32, v: f32) -> f32 {
  workgroupBarrier();
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { partial[lid] = min(partial[lid], partial[lid + stride]); }
    workgroupBarrier();
  }
  return partial[0];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let lid = lid3.x;
  let freq = params.freq;
  let time = params.time;
  let base = wid.x * freq * time;
  let n = freq * time;

  var lowest = 3.4e38;
  for (var i = lid; i < n; i += WG) { lowest = min(lowest, x[base + i]); }
  let floorValue = workgroupMin(lid, lowest);

  var activeFrames = 0.0;
  for (var t = lid; t < time; t += WG) {
    var on = 0u;
    for (var f = 0u; f < freq; f++) {
      if (x[base + f * time + t] > floorValue) { on = 1u; break; }
    }
    isActive[t] = on;
    activeFrames += f32(on);
  }
  let count = workgroupSum(lid, activeFrames); // also the barrier that publishes isActive[]

  for (var f = lid; f < freq; f += WG) {
    var sum = 0.0;
    for (var t = 0u; t < time; t++) {
      if (isActive[t] == 1u) { sum += x[base + f * time + t]; }
    }
    bandMean[f] = select(0.0, sum / count, count > 0.0);
  }
  workgroupBarrier();

  var squares = 0.0;
  for (var i = lid; i < n; i += WG) {
    if (isActive[i % time] == 1u) {
      let d = x[base + i] - bandMean[i / time];
      squares += d * d;
    }
  }
  let total = workgroupSum(lid, squares);
  let scale = select(0.0, inverseSqrt(total / (count * f32(freq)) + params.eps), count > 0.0);

  for (var i = lid; i < n; i += WG) {
    let on = isActive[i % time] == 1u;
    y[base + i] = select(0.0, (x[base + i] - bandMean[i / time]) * scale, on);
  }
}
