// Backward of sum and mean over one axis of x viewed as (outer, axisSize, inner): every
// input element receives its output's gradient, times `scale` (1 for sum, 1/axisSize for mean).
//   gradInput[o, a, k] = gradOutput[o, k] * scale
// Bindings: gradOutput (outer * inner), gradInput (size = outer * axisSize * inner).
// Dispatch: 1-D over size, spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, axisSize: u32, inner: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let o = i / (params.axisSize * params.inner);
  let k = i % params.inner;
  gradInput[i] = gradOutput[o * params.inner + k] * params.scale;
}
