// Shared by cross_entropy.wgsl and cross_entropy_reduce.wgsl: prepended to their source by
// withCrossEntropyRow() in packages/kernels/src/wgsl.ts, so both compute the same per-row loss.
// The shader declares `params` (with rows, classes, smoothing), `logits` (rows * classes) and
// `labels: array<u32>` (rows).

// Cross-entropy of row n with label smoothing eps (torch's target (1-eps)*onehot + eps/C):
//   lse = m + log(sum_c exp(x[n, c] - m)),  m = max_c x[n, c]
//   loss = lse - (1 - eps) * x[n, label] - eps / C * sum_c x[n, c]
// NOTE: a label >= classes reads class (classes - 1) instead of out of bounds; the TS side
// validates labels it is given on the host.
fn rowLoss(n: u32) -> f32 {
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
  return lse - (1.0 - eps) * logits[base + label] - eps / f32(params.classes) * total;
}
