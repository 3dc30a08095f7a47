// batch_norm2d_forward.wgsl for planes of a whole number of vec4s (H*W % 4 == 0): the same
// y = (x - mean[c]) * invstd[c] * weight[c] + bias[c], with x and y read and written as vec4
// (on lavapipe a vec4 per lane costs about what one float does).
// Bindings: x (B, C, H, W), mean (C), invstd (C), weight (C), bias (C), y (B, C, H, W).
// Dispatch: (ceil(vectors / (WG * ITEMS)), B*C, 1) with vectors = H*W / 4: workgroup y is the
// plane b*C + c; each invocation walks ITEMS vec4s of the plane, WG apart.
override WG: u32 = 64u;
override ITEMS: u32 = 4u;

struct Params { channels: u32, vectors: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> invstd: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // The grid's y is exactly B*C (no guard needed); the guard along the plane is per vec4 below.
  let c = wid.y % params.channels;
  let m = mean[c];
  let s = invstd[c];
  let w = weight[c];
  let b = bias[c];
  let base = wid.y * params.vectors;
  let first = wid.x * WG * ITEMS + lid;
  for (var k = 0u; k < ITEMS; k++) {
    let at = first + k * WG;
    if (at < params.vectors) { y[base + at] = (x[base + at] - m) * s * w + b; }
  }
}
