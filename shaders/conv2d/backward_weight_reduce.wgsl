// Adds the split-K partial weight gradients of the backward_weight kernels, in split order
// (deterministic): gradWeight[i] = sum_s partial[s, i]. With RELU_BIAS the partials are
// (splits, Cout, size + 1) from backward_weight_subgroup.wgsl, whose last column per channel is
// gradBias: it goes to gradBias[co], the rest to gradWeight (Cout, size).
// Bindings: partial (splits, items), gradWeight (Cout * size), gradBias (Cout; written only with
// RELU_BIAS). Dispatch: 1-D over items = Cout * (size + 1 with RELU_BIAS), by dispatch1d.
override WG: u32 = 64u;
override RELU_BIAS: bool = false;

// items: partial entries per split; size: gradWeight columns per output channel.
struct Params { items: u32, splits: u32, size: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradWeight: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradBias: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.items) { return; }
  var acc = 0.0;
  for (var s = 0u; s < params.splits; s++) { acc += partial[s * params.items + i]; }
  if (!RELU_BIAS) {
    gradWeight[i] = acc;
    return;
  }
  let co = i / (params.size + 1u);
  let n = i % (params.size + 1u);
  if (n == params.size) {
    gradBias[co] = acc;
  } else {
    gradWeight[co * params.size + n] = acc;
  }
}
