// Contiguous slice along an axis: y[o, a, i] = x[o, start + a, i] for a < length.
// Bindings: x (outer, inputLength, inner), y (outer, length, inner).
// Dispatch: 1-D over size = outer * length * inner (dispatch1d).
override WG: u32 = 256u;

struct Params { size: u32, length: u32, inputLength: u32, inner: u32, start: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let inner = i % params.inner;
  let a = (i / params.inner) % params.length;
  let o = i / (params.inner * params.length);
  y[i] = x[(o * params.inputLength + params.start + a) * params.inner + inner];
}
