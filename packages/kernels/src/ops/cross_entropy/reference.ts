/** CPU reference of cross-entropy (torch.nn.functional.cross_entropy semantics), in float64. */
import type { CrossEntropyOptions } from './index';

/** Loss of logits (N, C) against labels (N): [mean] / [sum] / per-sample values. */
export function crossEntropyReference(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, options: CrossEntropyOptions = {}): Float64Array {
  const rows = labels.length;
  const eps = options.labelSmoothing ?? 0;
  const losses = new Float64Array(rows);
  for (let n = 0; n < rows; n++) {
    const logP = logSoftmaxRow(logits, n, classes);
    let smooth = 0;
    for (let c = 0; c < classes; c++) smooth -= logP[c] / classes;
    losses[n] = (1 - eps) * -logP[labels[n]] + eps * smooth;
  }
  return reduceLosses(losses, options.reduction ?? 'mean');
}

/** gradLogits (N, C) of the loss, given gradOutput (1 value, or N for 'none'). */
export function crossEntropyBackwardReference(
  logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number, gradOutput: ArrayLike<number>, options: CrossEntropyOptions = {},
): Float64Array {
  const rows = labels.length;
  const eps = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? 'mean';
  const grad = new Float64Array(rows * classes);
  for (let n = 0; n < rows; n++) {
    const logP = logSoftmaxRow(logits, n, classes);
    const g = reduction === 'none' ? gradOutput[n] : reduction === 'mean' ? gradOutput[0] / rows : gradOutput[0];
    for (let c = 0; c < classes; c++) {
      const truth = (c === labels[n] ? 1 - eps : 0) + eps / classes;
      grad[n * classes + c] = (Math.exp(logP[c]) - truth) * g;
    }
  }
  return grad;
}

function logSoftmaxRow(logits: ArrayLike<number>, n: number, classes: number): Float64Array {
  let m = -Infinity;
  for (let c = 0; c < classes; c++) m = Math.max(m, logits[n * classes + c]);
  let s = 0;
  for (let c = 0; c < classes; c++) s += Math.exp(logits[n * classes + c] - m);
  const lse = m + Math.log(s);
  const out = new Float64Array(classes);
  for (let c = 0; c < classes; c++) out[c] = logits[n * classes + c] - lse;
  return out;
}

function reduceLosses(losses: Float64Array, reduction: NonNullable<CrossEntropyOptions['reduction']>): Float64Array {
  if (reduction === 'none') return losses;
  let total = 0;
  for (const v of losses) total += v;
  return Float64Array.of(reduction === 'mean' ? total / losses.length : total);
}
