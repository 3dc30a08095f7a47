/**
 * Training-mode dropout: zero each element with probability p and scale the rest by 1/(1-p).
 * The mask comes from Philox4x32-10 keyed by the seed and counted by (element / 4, step), so a
 * (seed, step) pair gives the same mask on every adapter and in the CPU reference (bit for
 * bit). The forward returns the mask packed 32 elements per u32 word; the backward reuses it.
 * Eval mode is the identity: the caller skips the op.
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/dropout/dropout.wgsl';
import backwardSource from '@duet/shaders/dropout/dropout_backward.wgsl';
import { empty, zeros, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { withPhilox } from '../../wgsl';

const FORWARD_SOURCE = withPhilox(forwardSource); // once, not per dispatch

const WG = 256;

export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1]. */
  readonly p: number;
  /** RNG seed: a non-negative integer below 2^53 (Philox's 64-bit key). */
  readonly seed: number;
  /** Training step (or any per-call counter below 2^32): a new mask for each value. */
  readonly step: number;
}

/** What the kernels need, derived from the options. */
export function dropoutParams(options: DropoutOptions): { seedLo: number; seedHi: number; step: number; threshold: number; scale: number } {
  const { p, seed, step } = options;
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: p = ${p} is outside [0, 1]`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`dropout: seed ${seed} is not a non-negative safe integer`);
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new Error(`dropout: step ${step} is not a u32`);
  return {
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
    step,
    // Keep when the 32-bit draw r >= threshold: probability 1 - threshold / 2^32, within 2^-32 of 1 - p.
    threshold: Math.min(Math.floor(p * 2 ** 32), 0xffffffff),
    // p = 1 drops everything (as torch); scale 0 keeps 0 * inf out of the gradient.
    scale: p === 1 ? 0 : 1 / (1 - p),
  };
}

/** Words of the packed mask of `size` elements. */
export function maskWords(size: number): number {
  return Math.ceil(size / 32);
}

/**
 * y = x * keep / (1 - p): x (any shape) -> output (same shape), mask (ceil(numel / 32)) u32,
 * bit i % 32 of word i / 32 set where element i is kept.
 */
export function dropout(ctx: GpuContext, x: GpuArray, options: DropoutOptions): { output: GpuArray; mask: GpuArray } {
  const params = dropoutParams(options);
  const size = sizeOf(x.shape);
  const mask = zeros(ctx, [maskWords(size)], 'dropout.mask', 'u32');
  if (options.p === 1) return { output: zeros(ctx, x.shape, 'dropout'), mask };
  const output = empty(ctx, x.shape, 'dropout');
  if (size === 0) return { output, mask };
  const quads = Math.ceil(size / 4);
  const kernel = ctx.kernel({ name: 'dropout', source: FORWARD_SOURCE, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: output.buffer, mask: mask.buffer }, { size, ...params }, dispatch1d(quads, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return { output, mask };
}

/** gradInput = gradOutput * keep / (1 - p), with the forward's mask: (any shape) -> same. */
export function dropoutBackward(ctx: GpuContext, gradOutput: GpuArray, mask: GpuArray, options: Pick<DropoutOptions, 'p'>): GpuArray {
  const size = sizeOf(gradOutput.shape);
  if (mask.dtype !== 'u32' || sizeOf(mask.shape) !== maskWords(size)) {
    throw new Error(`dropout backward: mask must be ${maskWords(size)} u32 words for ${size} elements, got [${mask.shape.join(', ')}] ${mask.dtype}`);
  }
  const { scale } = dropoutParams({ p: options.p, seed: 0, step: 0 });
  const gradInput = empty(ctx, gradOutput.shape, 'dropout.gradInput');
  if (size === 0) return gradInput;
  const kernel = ctx.kernel({ name: 'dropout_backward', source: backwardSource, overrides: { WG } });
  ctx.dispatch(kernel, { mask: mask.buffer, gradOutput: gradOutput.buffer, gradInput: gradInput.buffer }, { size, scale }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return gradInput;
}

export const dropoutOp: OpDef = {
  name: 'dropout',
  shaders: ['dropout/dropout.wgsl', 'dropout/dropout_backward.wgsl', 'random/philox.wgsl'],
  differentiable: true,
  // The scale is a float32 on the GPU.
  tolerance: { atol: 1e-7, rtol: 1e-6, gradAtol: 1e-7, gradRtol: 1e-6 },
};
