// conv2d backward through a fused relu, to the bias, in one pass over the gradient: with y the
// relu's output (y > 0 exactly where the convolution's output was > 0; relu'(0) = 0 as in PyTorch)
//   gradConv[b, co, oh, ow] = gradOutput[b, co, oh, ow] * (y[b, co, oh, ow] > 0)
//   gradBias[co] = sum_{b, oh, ow} gradConv[b, co, oh, ow]
// gradConv then feeds the gradInput and gradWeight kernels. Replaces unary_backward(relu) and
// backward_bias.wgsl (one dispatch and one read of the gradient fewer), with the same sum order
// as backward_bias.wgsl: one workgroup per channel, a strided share of each image's H'*W' values
// per invocation, then a tree reduction in workgroup memory (deterministic).
// Values move as vec4 (4 of the plane's values per load: lavapipe's scalar loads and stores
// made the fused pass slower than the two it replaces), so H'*W' must be a multiple of 4; the TS
// side uses it for planes of at most 4 * WG values (one pass per image).
// NOTE: no early return before the barriers; the workgroup count is exactly Cout.
// Bindings: y, gradOutput, gradConv (B, Cout, H', W') as vec4, gradBias (Cout).
// Dispatch: (Cout, 1, 1). WG must be a power of two.
override WG: u32 = 64u;

struct Params {
  batch: u32,
  channels: u32,
  // H' * W' / 4: vec4s per image and channel.
  plane4: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gradOutput: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> gradConv: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> gradBias: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let co = wid.x;
  var acc = vec4<f32>(0.0);
  for (var b = 0u; b < params.batch; b++) {
    let row = (b * params.channels + co) * params.plane4;
    for (var e = t; e < params.plane4; e += WG) {
      let g = gradOutput[row + e] * select(vec4<f32>(0.0), vec4<f32>(1.0), y[row + e] > vec4<f32>(0.0));
      gradConv[row + e] = g;
      acc += g;
    }
  }
  partial[t] = (acc.x + acc.y) + (acc.z + acc.w);
  workgroupBarrier();
  for (var span = WG / 2u; span > 0u; span /= 2u) {
    if (t < span) { partial[t] += partial[t + span]; }
    workgroupBarrier();
  }
  if (t == 0u) { gradBias[co] = partial[0]; }
}
