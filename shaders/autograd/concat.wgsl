// Concatenation along an axis, one input per dispatch: y[o, offset + a, i] = x[o, a, i].
// Shapes are viewed as (outer, axis, inner): the dims before the axis, the axis, the dims after.
// Bindings: x (outer, partLength, inner), y (outer, totalLength, inner).
// Dispatch: 1-D over size = outer * partLength * inner (dispatch1d).
override WG: u32 = 256u;

struct Params { size: u32, partLength: u32, totalLength: u32, inner: u32, offset: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let inner = i % params.inner;
  let a = (i / params.inner) % params.partLength;
  let o = i / (params.inner * params.partLength);
  y[(o * params.totalLength + params.offset + a) * params.inner + inner] = x[i];
}
