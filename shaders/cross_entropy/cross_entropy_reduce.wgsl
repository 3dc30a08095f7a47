// Cross-entropy reduced to one value (mean or sum over the rows) in ONE dispatch: the per-row
// losses of cross_entropy.wgsl (rowLoss from row_loss.wgsl, prepended), written to `losses`, then summed
// in row order by one invocation, as reduce.wgsl sums them (so the result is bit-identical to
// cross_entropy then reduce), and divided by the row count for the mean.
//   loss = sum_n rowLoss(n) (/ rows for the mean)
// One workgroup: invocation t handles rows t, t + WG, ...; meant for classifier batches (the TS
// side takes the two-kernel path above a few thousand rows).
// NOTE: no early return before the barrier; every invocation reaches it.
// Bindings: logits (rows * classes), labels: u32 (rows), losses (rows) scratch, loss (1).
// Dispatch: (1, 1, 1).
override WG: u32 = 64u;

struct Params {
  rows: u32,
  classes: u32,
  smoothing: f32,
  // 1: mean over the rows; 0: sum.
  mean: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) t: u32) {
  for (var n = t; n < params.rows; n += WG) {
    losses[n] = rowLoss(n);
  }
  // The losses other invocations wrote are visible to invocation 0 after this.
  storageBarrier();
  if (t == 0u) {
    var sum = 0.0;
    for (var n = 0u; n < params.rows; n++) { sum += losses[n]; }
    loss[0] = select(sum, sum / f32(params.rows), params.mean == 1u);
  }
}
