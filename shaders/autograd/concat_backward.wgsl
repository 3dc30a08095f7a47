// Backward of concat for one input: gradInput[o, a, i] = gradOutput[o, offset + a, i].
// Bindings: gradOutput (outer, totalLength, inner), gradInput (outer, partLength, inner).
// Dispatch: 1-D over size = outer * partLength * inner (dispatch1d).
override WG: u32 = 256u;

struct Params { size: u32, partLength: u32, totalLength: u32, inner: u32, offset: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let inner = i % params.inner;
  let a = (i / params.inner) % params.partLength;
  let o = i / (params.inner * params.partLength);
  gradInput[i] = gradOutput[(o * params.totalLength + params.offset + a) * params.inner + inner];
}
