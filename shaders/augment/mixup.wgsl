// Mixup of a batch x (B, D) -> y (B, D): each sample blends with a partner sample,
//   y[b, :] = lambda[b] * x[b, :] + (1 - lambda[b]) * x[partner[b], :]
// lambda (Beta(alpha, alpha) per sample) and partner (a permutation of the batch) are drawn on
// the host from Philox (packages/kernels/src/ops/mixup/index.ts), since the caller needs them
// there anyway to mix the labels.
// Bindings: x (B, D), lambda (B), partner: u32 (B), y (B, D).
// Dispatch: 1-D over B * D, spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, features: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> lambda: array<f32>;
@group(0) @binding(3) var<storage, read> partner: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let b = i / params.features;
  let f = i - b * params.features;
  let l = lambda[b];
  y[i] = l * x[i] + (1.0 - l) * x[partner[b] * params.features + f];
}
