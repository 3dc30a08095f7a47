// Batch norm 2d, normalisation with given per-channel statistics (training mode, after
// batch_norm2d_stats): y = (x - mean[c]) * invstd[c] * weight[c] + bias[c].
// Bindings: x (B, C, H, W), mean (C), invstd (C), weight (C), bias (C), y (B, C, H, W).
// Dispatch: 1-D over size = B*C*H*W, spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, channels: u32, spatial: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> invstd: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let c = (i / params.spatial) % params.channels;
  y[i] = (x[i] - mean[c]) * invstd[c] * weight[c] + bias[c];
}
