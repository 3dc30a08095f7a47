// Batch norm 2d in eval mode: normalises with the running statistics, which stay unchanged:
// y = (x - runningMean[c]) / sqrt(runningVar[c] + eps) * weight[c] + bias[c].
// Bindings: x (B, C, H, W), runningMean (C), runningVar (C), weight (C), bias (C), y (B, C, H, W).
// Dispatch: 1-D over size = B*C*H*W, spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, channels: u32, spatial: u32, eps: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> runningMean: array<f32>;
@group(0) @binding(3) var<storage, read> runningVar: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let c = (i / params.spatial) % params.channels;
  y[i] = (x[i] - runningMean[c]) / sqrt(runningVar[c] + params.eps) * weight[c] + bias[c];
}
