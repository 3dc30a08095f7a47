// Batch norm 2d backward (training mode), per-channel part. Over the n = B*H*W values of
// channel c, with xhat = (x - mean[c]) * invstd[c] as in PyTorch:
//   gradBias[c]   = sum(gradOutput)
//   gradWeight[c] = sum(gradOutput * (x - mean[c])) * invstd[c] = sum(gradOutput * xhat)
// batch_norm2d_backward_input.wgsl then uses both sums for gradInput.
// Bindings: x (B, C, H, W), gradOutput (B, C, H, W), mean (C), invstd (C),
// gradWeight (C), gradBias (C). Dispatch: (C, 1, 1), one workgroup per channel; WG a power of two.
override WG: u32 = 256u;

struct Params { batch: u32, channels: u32, spatial: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> invstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> gradWeight: array<f32>;
@group(0) @binding(6) var<storage, read_write> gradBias: array<f32>;

// (sum of gradOutput, sum of gradOutput * (x - mean)) per invocation, then tree-reduced.
var<workgroup> partial: array<vec2<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wid.x >= params.channels) { return; }
  let c = wid.x;
  let n = params.batch * params.spatial;
  let m = mean[c];
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = lid; k < n; k += WG) {
    let b = k / params.spatial;
    let i = (b * params.channels + c) * params.spatial + (k - b * params.spatial);
    let g = gradOutput[i];
    acc += vec2<f32>(g, g * (x[i] - m));
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    gradBias[c] = partial[0].x;
    gradWeight[c] = partial[0].y * invstd[c];
  }
}
