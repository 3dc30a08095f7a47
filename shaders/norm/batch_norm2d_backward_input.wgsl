// Batch norm 2d backward (training mode), gradInput, PyTorch's formula with n = B*H*W:
//   gradInput = (gradOutput - sum(gradOutput) / n - (x - mean) * invstd^2 * sum(gradOutput * (x - mean)) / n)
//               * invstd * weight
// where the two sums come from batch_norm2d_backward_reduce as gradBias and gradWeight / invstd.
// Bindings: x, gradOutput (B, C, H, W); mean, invstd, weight, gradWeight, gradBias (C);
// gradInput (B, C, H, W).
// Dispatch: (ceil(H*W / (WG * ITEMS)), B*C, 1), as batch_norm2d_forward.wgsl: the channel's
// values are loaded once per invocation, which then walks ITEMS elements of its plane, WG apart.
override WG: u32 = 64u;
override ITEMS: u32 = 4u;

struct Params { channels: u32, spatial: u32, count: f32 }

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
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // The grid's y is exactly B*C (no guard needed); the spatial guard is per element below.
  let c = wid.y % params.channels;
  let m = mean[c];
  let s = invstd[c];
  let w = weight[c];
  // Same operations in the same order as per element before, so results stay bit-identical.
  let meanGrad = gradBias[c] / params.count;
  let gw = gradWeight[c];
  let base = wid.y * params.spatial;
  let first = wid.x * WG * ITEMS + lid;
  for (var k = 0u; k < ITEMS; k++) {
    let at = first + k * WG;
    if (at < params.spatial) {
      let xhat = (x[base + at] - m) * s;
      // xhat * gradWeight = (x - mean) * invstd^2 * sum(gradOutput * (x - mean)).
      gradInput[base + at] = (gradOutput[base + at] - meanGrad - xhat * gw / params.count) * s * w;
    }
  }
}
