// Backward of softmax / log-softmax over the last axis of (rows, cols), from the forward
// OUTPUT y (as torch's _softmax_backward_data):
//   LOG = 0: gradInput[r, c] = y[r, c] * (gradOutput[r, c] - sum_k gradOutput[r, k] * y[r, k])
//   LOG = 1: gradInput[r, c] = gradOutput[r, c] - exp(y[r, c]) * sum_k gradOutput[r, k]
// One workgroup per row with a tree reduction, as softmax.wgsl.
// Bindings: y, gradOutput, gradInput (rows * cols each).
// Dispatch: one workgroup per row, spread over x and y by dispatch1d(rows, 1).
override LOG: u32 = 0u;
override WG: u32 = 64u;

struct Params { rows: u32, cols: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

var<workgroup> scratch: array<f32, WG>;

// Sums one value per invocation across the workgroup; every invocation gets the total.
fn total(local: u32, value: f32) -> f32 {
  scratch[local] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (local < stride) { scratch[local] += scratch[local + stride]; }
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
  var partial = 0.0;
  for (var c = local; c < params.cols; c += WG) {
    // softmax needs sum(g * y); log-softmax needs sum(g).
    partial += gradOutput[base + c] * select(y[base + c], 1.0, LOG == 1u);
  }
  let rowSum = total(local, partial);
  for (var c = local; c < params.cols; c += WG) {
    let g = gradOutput[base + c];
    let v = y[base + c];
    gradInput[base + c] = select(v * (g - rowSum), g - exp(v) * rowSum, LOG == 1u);
  }
}
