// Index of the maximum along one axis of x viewed as (outer, axisSize, inner); the FIRST
// maximal index on ties (as torch.argmax and the max backward).
//   indices[o, k] = first a maximising x[o, a, k]
// Bindings: x (outer * axisSize * inner), indices: u32 (size = outer * inner).
// Dispatch: 1-D over size, spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, axisSize: u32, inner: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let start = (i / params.inner) * params.axisSize * params.inner + i % params.inner;
  var best = x[start];
  var bestIndex = 0u;
  for (var a = 1u; a < params.axisSize; a++) {
    let v = x[start + a * params.inner];
    if (v > best) {
      best = v;
      bestIndex = a;
    }
  }
  indices[i] = bestIndex;
}
