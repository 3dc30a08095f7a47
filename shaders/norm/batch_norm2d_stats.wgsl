// Batch norm 2d, training statistics. For each channel c, over the n = B*H*W values of
// x[:, c, :, :]: the mean, then the biased variance as the mean squared deviation from it (two
// passes, so a large mean does not cancel the variance away). Saves mean and
// invstd = 1 / sqrt(var + eps) for the forward and backward kernels, and updates the running
// stats in place exactly like PyTorch: running = (1 - momentum) * running + momentum * batch,
// where runningVar takes the UNBIASED variance var * n / (n - 1) (n > 1 is checked on the host).
// Bindings: x (B, C, H, W), saveMean (C), saveInvstd (C), runningMean (C), runningVar (C).
// Dispatch: (C, 1, 1), one workgroup per channel. WG must be a power of two (tree reduction).
override WG: u32 = 256u;

struct Params { batch: u32, channels: u32, spatial: u32, momentum: f32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> saveMean: array<f32>;
@group(0) @binding(3) var<storage, read_write> saveInvstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runningVar: array<f32>;

var<workgroup> partial: array<f32, WG>;

// Index into x of the k-th value of channel c, k in [0, B*H*W).
fn at(c: u32, k: u32) -> u32 {
  let b = k / params.spatial;
  return (b * params.channels + c) * params.spatial + (k - b * params.spatial);
}

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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wid.x >= params.channels) { return; }
  let c = wid.x;
  let n = params.batch * params.spatial;
  var sum = 0.0;
  for (var k = lid; k < n; k += WG) { sum += x[at(c, k)]; }
  let mean = workgroupSum(lid, sum) / f32(n);
  var squares = 0.0;
  for (var k = lid; k < n; k += WG) {
    let d = x[at(c, k)] - mean;
    squares += d * d;
  }
  let variance = workgroupSum(lid, squares) / f32(n);
  if (lid == 0u) {
    saveMean[c] = mean;
    saveInvstd[c] = 1.0 / sqrt(variance + params.eps);
    let m = params.momentum;
    let unbiased = variance * (f32(n) / f32(n - 1u));
    runningMean[c] = (1.0 - m) * runningMean[c] + m * mean;
    runningVar[c] = (1.0 - m) * runningVar[c] + m * unbiased;
  }
}
