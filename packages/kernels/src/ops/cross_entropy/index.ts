/**
 * Cross-entropy of logits against class labels, as torch.nn.functional.cross_entropy:
 * log-softmax and negative log-likelihood fused per row, optional label smoothing, and a
 * mean / sum / none reduction. Backward gives gradLogits = (softmax - target) * gradOutput
 * (/ N for mean), with gradOutput a 1-element array for mean and sum so it chains in autograd.
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/cross_entropy/cross_entropy.wgsl';
import backwardSource from '@duet/shaders/cross_entropy/cross_entropy_backward.wgsl';
import reduceSource from '@duet/shaders/cross_entropy/cross_entropy_reduce.wgsl';
import { empty, free, fromData, reshape, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { reduce } from '../reduce/index';
import { withCrossEntropyRow } from '../../wgsl';

const WG = 64;
/** Above this many rows, mean/sum take cross_entropy.wgsl + reduce (one workgroup would serialise them). */
const ONE_DISPATCH_MAX_ROWS = 4096;

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** 'mean' (default, as torch): a 0-d result; 'sum' likewise; 'none': one loss per sample. */
  readonly reduction?: Reduction;
  /** Label smoothing eps in [0, 1]: the target is (1 - eps) * onehot + eps / C. Default 0. */
  readonly labelSmoothing?: number;
}

/** Labels as a u32 GpuArray (N), or host labels, which are checked against C and uploaded. */
export type Labels = GpuArray | Uint32Array;

interface Prepared {
  rows: number;
  classes: number;
  smoothing: number;
  labels: GpuArray;
  uploaded: boolean;
}

function prepare(ctx: GpuContext, what: string, logits: GpuArray, labels: Labels, options: CrossEntropyOptions): Prepared {
  if (logits.shape.length !== 2) throw new Error(`${what}: logits must be (N, C), got [${logits.shape.join(', ')}]`);
  const [rows, classes] = logits.shape;
  if (classes === 0) throw new Error(`${what}: logits have no classes`);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`${what}: labelSmoothing ${smoothing} is outside [0, 1]`);
  if (labels instanceof Uint32Array) {
    if (labels.length !== rows) throw new Error(`${what}: ${labels.length} labels for ${rows} rows of logits`);
    const bad = labels.findIndex((label) => label >= classes);
    if (bad >= 0) throw new Error(`${what}: label ${labels[bad]} at sample ${bad} is not below the ${classes} classes`);
    return { rows, classes, smoothing, labels: fromData(ctx, labels, [rows], `${what}.labels`), uploaded: true };
  }
  if (labels.dtype !== 'u32') throw new Error(`${what}: labels must be u32, got ${labels.dtype}`);
  if (sizeOf(labels.shape) !== rows) throw new Error(`${what}: ${sizeOf(labels.shape)} labels for ${rows} rows of logits`);
  return { rows, classes, smoothing, labels, uploaded: false };
}

/** Cross-entropy loss: logits (N, C), labels (N) -> () for mean/sum, (N) for none. */
export function crossEntropy(ctx: GpuContext, logits: GpuArray, labels: Labels, options: CrossEntropyOptions = {}): GpuArray {
  const reduction = options.reduction ?? 'mean';
  const p = prepare(ctx, 'crossEntropy', logits, labels, options);
  const losses = empty(ctx, [p.rows], 'crossEntropy.losses');
  if (reduction !== 'none' && p.rows > 0 && p.rows <= ONE_DISPATCH_MAX_ROWS) {
    // A classifier batch: the losses and their reduction in one dispatch.
    const loss = empty(ctx, [], 'crossEntropy.loss');
    const kernel = ctx.kernel({ name: 'cross_entropy_reduce', source: withCrossEntropyRow(reduceSource), overrides: { WG } });
    ctx.dispatch(
      kernel,
      { logits: logits.buffer, labels: p.labels.buffer, losses: losses.buffer, loss: loss.buffer },
      { rows: p.rows, classes: p.classes, smoothing: p.smoothing, mean: reduction === 'mean' ? 1 : 0 },
      [1, 1, 1],
    );
    if (p.uploaded) free(ctx, p.labels);
    free(ctx, losses);
    return loss;
  }
  if (p.rows > 0) {
    const kernel = ctx.kernel({ name: 'cross_entropy', source: withCrossEntropyRow(forwardSource), overrides: { WG } });
    ctx.dispatch(
      kernel,
      { logits: logits.buffer, labels: p.labels.buffer, losses: losses.buffer },
      { rows: p.rows, classes: p.classes, smoothing: p.smoothing },
      dispatch1d(p.rows, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
    );
  }
  if (p.uploaded) free(ctx, p.labels);
  if (reduction === 'none') return losses;
  const loss = reduce(ctx, reduction, losses, { axis: 0 });
  free(ctx, losses);
  return reshape(loss, []);
}

/**
 * Gradient of the loss with respect to the logits: gradOutput (1 element for mean/sum, N for
 * none) -> gradLogits (N, C).
 */
export function crossEntropyBackward(ctx: GpuContext, logits: GpuArray, labels: Labels, gradOutput: GpuArray, options: CrossEntropyOptions = {}): GpuArray {
  const reduction = options.reduction ?? 'mean';
  const p = prepare(ctx, 'crossEntropy backward', logits, labels, options);
  const expected = reduction === 'none' ? p.rows : 1;
  if (sizeOf(gradOutput.shape) !== expected) {
    throw new Error(`crossEntropy backward: gradOutput has ${sizeOf(gradOutput.shape)} elements, reduction '${reduction}' needs ${expected}`);
  }
  const gradLogits = empty(ctx, logits.shape, 'crossEntropy.gradLogits');
  if (p.rows > 0) {
    const kernel = ctx.kernel({ name: 'cross_entropy_backward', source: backwardSource, overrides: { WG } });
    ctx.dispatch(
      kernel,
      { logits: logits.buffer, labels: p.labels.buffer, gradOutput: gradOutput.buffer, gradLogits: gradLogits.buffer },
      {
        rows: p.rows,
        classes: p.classes,
        smoothing: p.smoothing,
        gradStride: reduction === 'none' ? 1 : 0,
        scale: reduction === 'mean' ? 1 / p.rows : 1,
      },
      dispatch1d(p.rows, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
    );
  }
  if (p.uploaded) free(ctx, p.labels);
  return gradLogits;
}

export const crossEntropyOp: OpDef = {
  name: 'cross_entropy',
  shaders: ['cross_entropy/cross_entropy.wgsl', 'cross_entropy/cross_entropy_reduce.wgsl', 'cross_entropy/row_loss.wgsl', 'cross_entropy/cross_entropy_backward.wgsl'],
  differentiable: true,
  tolerance: { atol: 1e-5, rtol: 1e-5, gradAtol: 1e-6, gradRtol: 1e-5 },
};
