// Softmax or log-softmax over the last axis of x viewed as (rows, cols), numerically stable:
//   m = max_c x[r, c];  s = sum_c exp(x[r, c] - m)
//   LOG = 0: y[r, c] = exp(x[r, c] - m) / s        LOG = 1: y[r, c] = x[r, c] - m - log(s)
// One workgroup per row: WG invocations stride over the columns, then a tree reduction in
// workgroup memory (WG is a power of two) combines their partial max and sum.
// Bindings: x (rows * cols), y (rows * cols).
// Dispatch: one workgroup per row, spread over x and y by dispatch1d(rows, 1).
override LOG: u32 = 0u;
override WG: u32 = 64u;

struct Params { rows: u32, cols: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> scratch: array<f32, WG>;

// Combines one value per invocation across the workgroup (max when takeMax, else sum);
// every invocation gets the result. Must be called in uniform control flow.
fn combine(local: u32, value: f32, takeMax: bool) -> f32 {
  scratch[local] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (local < stride) {
      let other = scratch[local + stride];
      scratch[local] = select(scratch[local] + other, max(scratch[local], other), takeMax);
    }
    workgroupBarrier();
  }
  let result = scratch[0];
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let row = wid.x + wid.y * groups.x;
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  var partialMax = -3.402823e38;
  for (var c = local; c < params.cols; c += WG) { partialMax = max(partialMax, x[base + c]); }
  let m = combine(local, partialMax, true);
  var partialSum = 0.0;
  for (var c = local; c < params.cols; c += WG) { partialSum += exp(x[base + c] - m); }
  let s = combine(local, partialSum, false);
  let logS = log(s);
  for (var c = local; c < params.cols; c += WG) {
    let shifted = x[base + c] - m;
    y[base + c] = select(exp(shifted) / s, shifted - logS, LOG == 1u);
  }
}
