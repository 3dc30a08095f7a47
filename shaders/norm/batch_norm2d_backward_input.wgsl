// Batch norm 2d backward (training mode), gradInput, PyTorch's formula with n = B*H*W:
//   gradInput = (gradOutput - sum(gradOutput) / n - (x - mean) * invstd^2 * sum(gradOutput * (x - mean)) / n)
//               * invstd * weight
// where the two sums come from batch_norm2d_backward_reduce as gradBias and gradWeight / invstd.
// Bindings: x, gradOutput (B, C, H, W); mean, invstd, weight, gradWeight, gradBias (C);
// gradInput (B, C, H, W). Dispatch: 1-D over size = B*C*H*W, spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, channels: u32, spatial: u32, count: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> invstd: array<f32>;
@group(0) @binding(5) var<storage, read> weight: array<f32>;
@group(0) @binding(6) var<storage, read> gradWeight: array<f32>;
@group(0) @binding(7) var<storage, read> gradBias: array<f32>;
@group(0) @binding(8) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let c = (i / params.spatial) % params.channels;
  let s = invstd[c];
  let xhat = (x[i] - mean[c]) * s;
  // xhat * gradWeight = (x - mean) * invstd^2 * sum(gradOutput * (x - mean)).
  gradInput[i] = (gradOutput[i] - gradBias[c] / params.count - xhat * gradWeight[c] / params.count) * s * weight[c];
}
