// Batch norm 2d in eval mode: normalises with the running statistics, which stay unchanged:
// y = (x - runningMean[c]) / sqrt(runningVar[c] + eps) * weight[c] + bias[c].
// Bindings: x (B, C, H, W), runningMean (C), runningVar (C), weight (C), bias (C), y (B, C, H, W).
// Dispatch: (ceil(H*W / (WG * ITEMS)), B*C, 1), as batch_norm2d_forward.wgsl.
override WG: u32 = 64u;
override ITEMS: u32 = 4u;

struct Params { channels: u32, spatial: u32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> runningMean: array<f32>;
@group(0) @binding(3) var<storage, read> runningVar: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // The grid's y is exactly B*C (no guard needed); the spatial guard is per element below.
  let c = wid.y % params.channels;
  let m = runningMean[c];
  let deviation = sqrt(runningVar[c] + params.eps);
  let w = weight[c];
  let b = bias[c];
  let base = wid.y * params.spatial;
  let first = wid.x * WG * ITEMS + lid;
  for (var k = 0u; k < ITEMS; k++) {
    let at = first + k * WG;
    if (at < params.spatial) { y[base + at] = (x[base + at] - m) / deviation * w + b; }
  }
}
