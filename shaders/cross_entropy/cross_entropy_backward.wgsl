// Backward of cross_entropy.wgsl followed by its reduction:
//   gradLogits[n, c] = (softmax(x[n])[c] - (1 - eps) * [c == label] - eps / C) * gradOutput[n * gradStride] * scale
// mean: gradStride 0 (one upstream scalar), scale 1/rows; sum: stride 0, scale 1;
// none: stride 1 (one upstream value per sample), scale 1. Labels are clamp-guarded as in the forward.
// Bindings: logits (rows * classes), labels: u32 (rows), gradOutput (1 or rows),
// gradLogits (rows * classes). Dispatch: one invocation per row, spread by dispatch1d.
override WG: u32 = 64u;

struct Params { rows: u32, classes: u32, smoothing: f32, gradStride: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(4) var<storage, read_write> gradLogits: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let n = gid.x + gid.y * groups.x * WG;
  if (n >= params.rows) { return; }
  let base = n * params.classes;
  var m = -3.402823e38;
  for (var c = 0u; c < params.classes; c++) { m = max(m, logits[base + c]); }
  var s = 0.0;
  for (var c = 0u; c < params.classes; c++) { s += exp(logits[base + c] - m); }
  let label = min(labels[n], params.classes - 1u);
  let eps = params.smoothing;
  let g = gradOutput[n * params.gradStride] * params.scale;
  for (var c = 0u; c < params.classes; c++) {
    let truth = select(0.0, 1.0 - eps, c == label) + eps / f32(params.classes);
    gradLogits[base + c] = (exp(logits[base + c] - m) / s - truth) * g;
  }
}
