// Reduction over one axis of x viewed as (outer, axisSize, inner):
//   y[o, k] = sum / mean / max over a of x[o, a, k]   (OP override: 0 sum, 1 mean, 2 max).
// One invocation per output element walks the axis in order (deterministic; neighbouring
// invocations read neighbouring k, so loads coalesce). Accumulates in f32.
// Bindings: x (outer * axisSize * inner), y (size = outer * inner).
// Dispatch: 1-D over size, spread over x and y by dispatch1d.
override OP: u32 = 0u;
override WG: u32 = 256u;

struct Params { size: u32, axisSize: u32, inner: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let o = i / params.inner;
  let k = i % params.inner;
  let start = o * params.axisSize * params.inner + k;
  if (OP == 2u) {
    // max: the TS side refuses an empty axis, so x[start] exists.
    var best = x[start];
    for (var a = 1u; a < params.axisSize; a++) { best = max(best, x[start + a * params.inner]); }
    y[i] = best;
    return;
  }
  var total = 0.0;
  for (var a = 0u; a < params.axisSize; a++) { total += x[start + a * params.inner]; }
  y[i] = select(total, total / f32(params.axisSize), OP == 1u);
}
