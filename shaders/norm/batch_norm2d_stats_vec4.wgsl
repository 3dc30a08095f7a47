// Batch norm 2d, training statistics, vec4 variant. For each channel c, over the n = B*H*W
// values of x[:, c, :, :]: the mean, then the biased variance as the mean squared deviation from
// it (two passes, so a large mean does not cancel the variance away). Saves mean and
// invstd = 1 / sqrt(var + eps) for the forward and backward kernels, and updates the running
// stats in place exactly like PyTorch: running = (1 - momentum) * running + momentum * batch,
// where runningVar takes the UNBIASED variance var * n / (n - 1) (n > 1 is checked on the host).
// Bindings: x (B, C, H, W), saveMean (C), saveInvstd (C), runningMean (C), runningVar (C).
// Dispatch: (C, 1, 1), one workgroup per channel. WG must be a power of two (tree reduction).
// This is batch_norm2d_stats.wgsl for planes of a whole number of vec4s (H*W % 4 == 0): x is read
// as vec4 and each invocation keeps 4 partial sums. Invocation lid visits the vec4s k = lid,
// lid + WG, … of the channel's n / 4; (b, s) of k advance by a fixed step (WG / vectors planes,
// WG % vectors positions) instead of a division per value.
override WG: u32 = 256u;

struct Params { batch: u32, channels: u32, vectors: u32, momentum: f32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> saveMean: array<f32>;
@group(0) @binding(3) var<storage, read_write> saveInvstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runningVar: array<f32>;

var<workgroup> partial: array<f32, WG>;

// Sum of `v` over the workgroup; every invocation gets the total.
fn workgroupSum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  // Everyone has read the total before a later call overwrites `partial`.
  workgroupBarrier();
  return total;
}

// Sum over the channel's values of x (when center is false) or of (x - m)^2 (when true).
fn channelSum(c: u32, lid: u32, m: f32, center: bool) -> f32 {
  let hw = params.vectors;
  let planeStep = WG / hw;
  let posStep = WG % hw;
  var b = lid / hw;
  var s = lid % hw;
  var acc = vec4<f32>(0.0);
  while (b < params.batch) {
    let v = x[(b * params.channels + c) * hw + s];
    if (center) {
      let d = v - m;
      acc += d * d;
    } else {
      acc += v;
    }
    s += posStep;
    b += planeStep;
    if (s >= hw) {
      s -= hw;
      b += 1u;
    }
  }
  return (acc.x + acc.y) + (acc.z + acc.w);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wid.x >= params.channels) { return; }
  let c = wid.x;
  let n = params.batch * params.vectors * 4u;
  let mean = workgroupSum(lid, channelSum(c, lid, 0.0, false)) / f32(n);
  let variance = workgroupSum(lid, channelSum(c, lid, mean, true)) / f32(n);
  if (lid == 0u) {
    saveMean[c] = mean;
    saveInvstd[c] = 1.0 / sqrt(variance + params.eps);
    let m = params.momentum;
    let unbiased = variance * (f32(n) / f32(n - 1u));
    runningMean[c] = (1.0 - m) * runningMean[c] + m * mean;
    runningVar[c] = (1.0 - m) * runningVar[c] + m * unbiased;
  }
}
