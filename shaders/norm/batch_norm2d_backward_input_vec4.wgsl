// batch_norm2d_backward_input.wgsl for planes of a whole number of vec4s (H*W % 4 == 0): the same
//   gradInput = (gradOutput - gradBias[c] / n - xhat * gradWeight[c] / n) * invstd[c] * weight[c]
// with xhat = (x - mean[c]) * invstd[c], n = B*H*W, and x, gradOutput, gradInput as vec4.
// Bindings: x, gradOutput (B, C, H, W); mean, invstd, weight, gradWeight, gradBias (C);
// gradInput (B, C, H, W).
// Dispatch: (ceil(vectors / (WG * ITEMS)), B*C, 1) with vectors = H*W / 4, as
// batch_norm2d_forward_vec4.wgsl.
override WG: u32 = 64u;
override ITEMS: u32 = 4u;

struct Params { channels: u32, vectors: u32, count: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gradOutput: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> invstd: array<f32>;
@group(0) @binding(5) var<storage, read> weight: array<f32>;
@group(0) @binding(6) var<storage, read> gradWeight: array<f32>;
@group(0) @binding(7) var<storage, read> gradBias: array<f32>;
@group(0) @binding(8) var<storage, read_write> gradInput: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // The grid's y is exactly B*C (no guard needed); the guard along the plane is per vec4 below.
  let c = wid.y % params.channels;
  let m = mean[c];
  let s = invstd[c];
  let w = weight[c];
  // The scalar kernel's operations in its order, so both give the same bits.
  let meanGrad = gradBias[c] / params.count;
  let gw = gradWeight[c];
  let base = wid.y * params.vectors;
  let first = wid.x * WG * ITEMS + lid;
  for (var k = 0u; k < ITEMS; k++) {
    let at = first + k * WG;
    if (at < params.vectors) {
      let xhat = (x[base + at] - m) * s;
      gradInput[base + at] = (gradOutput[base + at] - meanGrad - xhat * gw / params.count) * s * w;
    }
  }
}
