// Adds the split-K partial weight gradients of backward_weight_register.wgsl, in split order
// (deterministic): gradWeight[i] = sum_s partial[s, i].
// Bindings: partial (splits, size), gradWeight (size). Dispatch: 1-D over size, by dispatch1d.
override WG: u32 = 64u;

struct Params { size: u32, splits: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradWeight: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  var acc = 0.0;
  for (var s = 0u; s < params.splits; s++) { acc += partial[s * params.size + i]; }
  gradWeight[i] = acc;
}
