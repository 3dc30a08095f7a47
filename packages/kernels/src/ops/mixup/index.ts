/**
 * Mixup (Zhang et al., 2018) of a batch: y[b] = lambda[b] * x[b] + (1 - lambda[b]) * x[partner[b]],
 * lambda[b] ~ Beta(alpha, alpha) per sample and partner a random permutation of the batch. The
 * draws are made on the host (the caller needs them there to mix the labels: the loss is
 * lambda * CE(y, label[b]) + (1 - lambda) * CE(y, label[partner[b]])), from Philox4x32-10 (the
 * dropout op's generator) counted by (step, sample), so a (seed, step) pair mixes the same way
 * everywhere; the kernel does the blending. Not differentiable: it acts on the inputs of a model.
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import source from '@duet/shaders/augment/mixup.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { philox4x32 } from '../dropout/reference';

const WG = 256;
// Distinguishes these streams from other users of the same seed (dropout uses tag 0).
const TAG_LAMBDA = 0x4d495830;
const TAG_PERMUTATION = 0x4d495850;

export interface MixupOptions {
  /** RNG seed: a non-negative integer below 2^53 (Philox's 64-bit key). */
  readonly seed: number;
  /** Training step (a u32): each step draws new partners and weights. */
  readonly step: number;
  /** Beta(alpha, alpha) concentration, > 0 (0.2 to 0.4 is usual; small alpha keeps lambda near 0 or 1). */
  readonly alpha: number;
}

export interface MixupDraw {
  /** (B) weight of each sample's own input. */
  readonly lambda: Float32Array;
  /** (B) the sample each one is mixed with: a permutation of 0..B-1. */
  readonly partner: Uint32Array;
}

/** Uniforms in (0, 1) from the Philox stream (counter (k, step, b, tag)), four per call. */
function uniforms(seed: number, step: number, b: number, tag: number): () => number {
  const key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  let k = 0;
  let words: Uint32Array = new Uint32Array(0);
  let used = 4;
  return () => {
    if (used === 4) {
      words = philox4x32([k++, step, b, tag], key);
      used = 0;
    }
    return (words[used++] + 0.5) * 2 ** -32;
  };
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted by u^(1 / shape) below shape 1. */
function gamma(shape: number, uniform: () => number): number {
  const boost = shape < 1 ? uniform() ** (1 / shape) : 1;
  const d = (shape < 1 ? shape + 1 : shape) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const normal = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const v = (1 + c * normal) ** 3;
    if (v <= 0) continue;
    if (Math.log(uniform()) < 0.5 * normal * normal + d - d * v + d * Math.log(v)) return d * v * boost;
  }
}

/** The weights and partners of a batch of `batch` samples. */
export function drawMixup(batch: number, options: MixupOptions): MixupDraw {
  const { seed, step, alpha } = options;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`mixup: seed ${seed} is not a non-negative safe integer`);
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new Error(`mixup: step ${step} is not a u32`);
  if (!(alpha > 0 && Number.isFinite(alpha))) throw new Error(`mixup: alpha ${alpha} must be a positive number`);
  const lambda = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const uniform = uniforms(seed, step, b, TAG_LAMBDA);
    const g1 = gamma(alpha, uniform);
    const g2 = gamma(alpha, uniform);
    // Both can underflow to 0 for tiny alpha: either endpoint is then as likely.
    lambda[b] = g1 + g2 > 0 ? g1 / (g1 + g2) : uniform() < 0.5 ? 0 : 1;
  }
  // Fisher-Yates, one Philox call per swap.
  const partner = Uint32Array.from({ length: batch }, (_, b) => b);
  for (let i = batch - 1; i > 0; i--) {
    const j = philox4x32([i, step, 0, TAG_PERMUTATION], [seed % 2 ** 32, Math.floor(seed / 2 ** 32)])[0] % (i + 1);
    [partner[i], partner[j]] = [partner[j], partner[i]];
  }
  return { lambda, partner };
}

/** x: (B, ...) -> (B, ...) mixed copy, with the draws used (for mixing the labels). */
export function mixup(ctx: GpuContext, x: GpuArray, options: MixupOptions): { output: GpuArray; draw: MixupDraw } {
  if (x.shape.length < 1) throw new Error('mixup: x must have a batch dimension');
  const batch = x.shape[0];
  const draw = drawMixup(batch, options);
  const output = empty(ctx, x.shape, 'mixup');
  const size = sizeOf(x.shape);
  if (size === 0) return { output, draw };
  const lambda = ctx.upload(draw.lambda, 'mixup.lambda');
  const partner = ctx.upload(draw.partner, 'mixup.partner');
  const kernel = ctx.kernel({ name: 'mixup', source, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, lambda, partner, y: output.buffer }, { size, features: size / batch }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  // Pool buffers are reused only after the next submit, which runs this dispatch first.
  ctx.release(lambda);
  ctx.release(partner);
  return { output, draw };
}

export const mixupOp: OpDef = {
  name: 'mixup',
  shaders: ['augment/mixup.wgsl'],
  differentiable: 'augmentation transforms training inputs; no gradient flows to them',
  tolerance: { atol: 1e-6, rtol: 1e-6 },
};
