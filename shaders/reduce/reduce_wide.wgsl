// reduce.wgsl for long axes and few outputs (a full sum, a loss mean over a big batch): one
// WORKGROUP per output element instead of one invocation, so the axis is split over WG
// invocations and combined by a tree in workgroup memory (deterministic, and its rounding
// error grows with log(axisSize) rather than axisSize).
//   y[o, k] = sum / mean / max over a of x[o, a, k]   (OP override: 0 sum, 1 mean, 2 max).
// Bindings: x (outer * axisSize * inner), y (size = outer * inner).
// Dispatch: one workgroup per output element, spread over x and y by dispatch1d(size, 1).
override OP: u32 = 0u;
override WG: u32 = 256u;

struct Params { size: u32, axisSize: u32, inner: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> scratch: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let i = wid.x + wid.y * groups.x;
  if (i >= params.size) { return; }
  let takeMax = OP == 2u;
  let start = (i / params.inner) * params.axisSize * params.inner + i % params.inner;
  var acc = 0.0;
  // The TS side refuses max over an empty axis, so x[start] exists.
  if (takeMax) { acc = x[start]; }
  for (var a = local; a < params.axisSize; a += WG) {
    let v = x[start + a * params.inner];
    acc = select(acc + v, max(acc, v), takeMax);
  }
  scratch[local] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (local < stride) {
      let other = scratch[local + stride];
      scratch[local] = select(scratch[local] + other, max(scratch[local], other), takeMax);
    }
    workgroupBarrier();
  }
  if (local == 0u) {
    y[i] = select(scratch[0], scratch[0] / f32(params.axisSize), OP == 1u);
  }
}
