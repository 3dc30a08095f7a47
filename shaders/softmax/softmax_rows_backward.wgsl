// softmax_backward.wgsl for short rows and CPU drivers: one INVOCATION per row, no barriers.
//   LOG = 0: gradInput[r, c] = y[r, c] * (gradOutput[r, c] - sum_k gradOutput[r, k] * y[r, k])
//   LOG = 1: gradInput[r, c] = gradOutput[r, c] - exp(y[r, c]) * sum_k gradOutput[r, k]
// Bindings: y, gradOutput, gradInput (rows * cols each).
// Dispatch: 1-D over rows, spread over x and y by dispatch1d.
override LOG: u32 = 0u;
override WG: u32 = 64u;

struct Params { rows: u32, cols: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let row = gid.x + gid.y * groups.x * WG;
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  var rowSum = 0.0;
  for (var c = 0u; c < params.cols; c++) {
    rowSum += gradOutput[base + c] * select(y[base + c], 1.0, LOG == 1u);
  }
  for (var c = 0u; c < params.cols; c++) {
    let g = gradOutput[base + c];
    let v = y[base + c];
    gradInput[base + c] = select(v * (g - rowSum), g - exp(v) * rowSum, LOG == 1u);
  }
}
