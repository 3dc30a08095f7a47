// Batch norm 2d backward (training mode), per-channel part, vec4 variant. Over the n = B*H*W
// values of channel c, with xhat = (x - mean[c]) * invstd[c] as in PyTorch:
//   gradBias[c]   = sum(gradOutput)
//   gradWeight[c] = sum(gradOutput * (x - mean[c])) * invstd[c] = sum(gradOutput * xhat)
// batch_norm2d_backward_input.wgsl then uses both sums for gradInput.
// Bindings: x (B, C, H, W), gradOutput (B, C, H, W), mean (C), invstd (C),
// gradWeight (C), gradBias (C). Dispatch: (C, 1, 1), one workgroup per channel; WG a power of two.
// This is batch_norm2d_backward_reduce.wgsl for planes of a whole number of vec4s (H*W % 4 == 0):
// x and gradOutput are read as vec4, each invocation keeps 4 partial sums of each. Invocation lid
// visits the vec4s k = lid, lid + WG, … of the channel's n / 4, stepping (b, s) of k by a fixed
// amount instead of dividing per value (as batch_norm2d_stats.wgsl).
override WG: u32 = 256u;

struct Params { batch: u32, channels: u32, vectors: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gradOutput: array<vec4<f32>>;
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
  let hw = params.vectors;
  let planeStep = WG / hw;
  let posStep = WG % hw;
  let m = mean[c];
  var b = lid / hw;
  var s = lid % hw;
  var sumG = vec4<f32>(0.0);
  var sumGx = vec4<f32>(0.0);
  while (b < params.batch) {
    let i = (b * params.channels + c) * hw + s;
    let g = gradOutput[i];
    sumG += g;
    sumGx += g * (x[i] - m);
    s += posStep;
    b += planeStep;
    if (s >= hw) {
      s -= hw;
      b += 1u;
    }
  }
  let ones = vec4<f32>(1.0);
  partial[lid] = vec2<f32>(dot(sumG, ones), dot(sumGx, ones));
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
