// Backward of max over one axis of x viewed as (outer, axisSize, inner): the gradient goes to
// the first maximal element only (the index argmax.wgsl found), zero elsewhere.
//   gradInput[o, a, k] = a == indices[o, k] ? gradOutput[o, k] : 0
// Bindings: indices: u32 (outer * inner), gradOutput (outer * inner),
// gradInput (size = outer * axisSize * inner). Dispatch: 1-D over size, spread by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, axisSize: u32, inner: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let a = (i / params.inner) % params.axisSize;
  let j = (i / (params.axisSize * params.inner)) * params.inner + i % params.inner;
  gradInput[i] = select(0.0, gradOutput[j], a == indices[j]);
}
