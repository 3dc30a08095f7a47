// Per-sample cross-entropy of logits (rows, classes) against class labels, with optional
// label smoothing eps (torch.nn.functional.cross_entropy's, target (1-eps)*onehot + eps/C):
//   lse = m + log(sum_c exp(x[n, c] - m)),  m = max_c x[n, c]
//   losses[n] = lse - (1 - eps) * x[n, label] - eps / C * sum_c x[n, c]
// NOTE: a label >= classes reads class (classes - 1) instead of out of bounds; the TS side
// validates labels it is given on the host.
// Bindings: logits (rows * classes), labels: u32 (rows), losses (rows).
// Dispatch: one invocation per row (classifier heads have few classes), spread by dispatch1d.
override WG: u32 = 64u;

struct Params { rows: u32, classes: u32, smoothing: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let n = gid.x + gid.y * groups.x * WG;
  if (n >= params.rows) { return; }
  let base = n * params.classes;
  var m = -3.402823e38;
  var total = 0.0;
  for (var c = 0u; c < params.classes; c++) {
    m = max(m, logits[base + c]);
    total += logits[base + c];
  }
  var s = 0.0;
  for (var c = 0u; c < params.classes; c++) { s += exp(logits[base + c] - m); }
  let lse = m + log(s);
  let label = min(labels[n], params.classes - 1u);
  let eps = params.smoothing;
  losses[n] = lse - (1.0 - eps) * logits[base + label] - eps / f32(params.classes) * total;
}
