// softmax.wgsl for short rows (a classifier's 10 classes) and CPU drivers: one INVOCATION per
// row walks its columns three times, with no workgroup memory and no barriers.
//   m = max_c x[r, c];  s = sum_c exp(x[r, c] - m)
//   LOG = 0: y[r, c] = exp(x[r, c] - m) / s        LOG = 1: y[r, c] = x[r, c] - m - log(s)
// Bindings: x (rows * cols), y (rows * cols).
// Dispatch: 1-D over rows, spread over x and y by dispatch1d.
override LOG: u32 = 0u;
override WG: u32 = 64u;

struct Params { rows: u32, cols: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let row = gid.x + gid.y * groups.x * WG;
  if (row >= params.rows) { return; }
  let base = row * params.cols;
  var m = -3.402823e38;
  for (var c = 0u; c < params.cols; c++) { m = max(m, x[base + c]); }
  var s = 0.0;
  for (var c = 0u; c < params.cols; c++) { s += exp(x[base + c] - m); }
  let logS = log(s);
  for (var c = 0u; c < params.cols; c++) {
    let shifted = x[base + c] - m;
    y[base + c] = select(exp(shifted) / s, shifted - logS, LOG == 1u);
  }
}
