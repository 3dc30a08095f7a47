/**
 * Elementwise unary ops (relu, exp, log, sigmoid, tanh, scale…) and their backward.
 * One shader per direction; the op is an override constant, so each op is its own pipeline.
 */
import { dispatch1d, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/elementwise/unary.wgsl';
import backwardSource from '@duet/shaders/elementwise/unary_backward.wgsl';
import { empty, numel, type GpuArray } from '../../array';
import type { OpDef } from '../../op';

/** Op codes as the WGSL `OP` override knows them. */
export const UNARY_OPS = {
  relu: 0, neg: 1, exp: 2, log: 3, sqrt: 4, abs: 5, sigmoid: 6, tanh: 7, square: 8, reciprocal: 9, scale: 10, leakyRelu: 11,
} as const;
export type UnaryOp = keyof typeof UNARY_OPS;

const WG = 256;

export interface UnaryOptions {
  /** scale: y = alpha * x + beta; leakyRelu: negative slope. */
  readonly alpha?: number;
  readonly beta?: number;
  /** Write here instead of a new array. NOTE: not `x` itself: WebGPU forbids binding one buffer read-only and read-write in one dispatch. */
  readonly out?: GpuArray;
}

/** y = f(x), same shape as x. */
export function unary(ctx: GpuContext, op: UnaryOp, x: GpuArray, options: UnaryOptions = {}): GpuArray {
  const size = numel(x);
  const y = options.out ?? empty(ctx, x.shape, op);
  const kernel = ctx.kernel({ name: `unary/${op}`, source: forwardSource, overrides: { OP: UNARY_OPS[op], WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, { size, alpha: options.alpha ?? defaultAlpha(op), beta: options.beta ?? 0 }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return y;
}

/** gradInput = gradOutput * f'(x). */
export function unaryBackward(ctx: GpuContext, op: UnaryOp, x: GpuArray, gradOutput: GpuArray, options: { alpha?: number } = {}): GpuArray {
  const size = numel(x);
  const gradInput = empty(ctx, x.shape, `${op}.gradInput`);
  const kernel = ctx.kernel({ name: `unary_backward/${op}`, source: backwardSource, overrides: { OP: UNARY_OPS[op], WG } });
  ctx.dispatch(kernel, { x: x.buffer, gradOutput: gradOutput.buffer, gradInput: gradInput.buffer }, { size, alpha: options.alpha ?? defaultAlpha(op), beta: 0 }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return gradInput;
}

function defaultAlpha(op: UnaryOp): number {
  return op === 'leakyRelu' ? 0.01 : 1;
}

export const unaryOp: OpDef = {
  name: 'unary',
  shaders: ['elementwise/unary.wgsl', 'elementwise/unary_backward.wgsl'],
  differentiable: true,
  tolerance: { atol: 1e-6, rtol: 1e-5, gradAtol: 1e-6, gradRtol: 1e-5 },
};
