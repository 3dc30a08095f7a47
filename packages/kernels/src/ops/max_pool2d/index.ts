/**
 * max_pool2d (NCHW, -infinity padding, floor output size) returning the output and the argmax
 * indices, and its backward: when the windows tile the input (kernel == stride, no padding) each
 * output writes its window, otherwise a deterministic gather through the indices.
 */
import { dispatch1d, dispatchFor, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/pool/max_pool2d.wgsl';
import backwardSource from '@duet/shaders/pool/max_pool2d_backward.wgsl';
import backwardDisjointSource from '@duet/shaders/pool/max_pool2d_backward_disjoint.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { poolOutSize, type MaxPool2dGeometry } from './reference';

export type { MaxPool2dGeometry } from './reference';

const WG = 64;
/** Consecutive outputs of a row per invocation of the forward and the disjoint backward. */
const RUN = 8;
type Pair = number | readonly [number, number];

export interface MaxPool2dOptions {
  /** (kH, kW) or one value for both. */
  readonly kernelSize: Pair;
  /** Defaults to kernelSize, as in PyTorch. */
  readonly stride?: Pair;
  /** Implicit -infinity padding on each side, at most half the kernel; default 0. */
  readonly padding?: Pair;
}

/** The geometry of a call; throws for padding over half the kernel (PyTorch's rule). */
export function maxPool2dGeometry(inputShape: readonly number[], options: MaxPool2dOptions): MaxPool2dGeometry {
  if (inputShape.length !== 4) throw new Error(`max_pool2d: x must be (B, C, H, W), got [${inputShape.join(', ')}]`);
  const [batch, channels, inHeight, inWidth] = inputShape;
  const [kernelH, kernelW] = pair(options.kernelSize, 'kernelSize', 1);
  const [strideH, strideW] = pair(options.stride ?? options.kernelSize, 'stride', 1);
  const [padH, padW] = pair(options.padding ?? 0, 'padding', 0);
  if (2 * padH > kernelH || 2 * padW > kernelW) throw new Error(`max_pool2d: padding ${padH}x${padW} is over half the kernel ${kernelH}x${kernelW}`);
  const g = { batch, channels, inHeight, inWidth, kernelH, kernelW, strideH, strideW, padH, padW };
  if (maxPool2dOutputShape(g).some((d) => d < 1)) throw new Error(`max_pool2d: kernel ${kernelH}x${kernelW} does not fit the ${inHeight}x${inWidth} input`);
  return g;
}

/** (B, C, H', W'). */
export function maxPool2dOutputShape(g: MaxPool2dGeometry): [number, number, number, number] {
  return [g.batch, g.channels, poolOutSize(g.inHeight, g.kernelH, g.strideH, g.padH), poolOutSize(g.inWidth, g.kernelW, g.strideW, g.padW)];
}

/** x: (B, C, H, W) -> output: (B, C, H', W'), indices: (B, C, H', W') u32 (flat within each H x W plane). */
export function maxPool2d(ctx: GpuContext, x: GpuArray, options: MaxPool2dOptions): { output: GpuArray; indices: GpuArray } {
  const g = maxPool2dGeometry(x.shape, options);
  const shape = maxPool2dOutputShape(g);
  const output = empty(ctx, shape, 'max_pool2d.output');
  const indices = empty(ctx, shape, 'max_pool2d.indices', 'u32');
  const [, , outHeight, outWidth] = shape;
  const runs = Math.ceil(outWidth / RUN);
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  const grid = [dispatchFor(outHeight * runs, WG, max, 'max_pool2d plane'), dispatchFor(g.batch * g.channels, 1, max, 'max_pool2d planes'), 1];
  const kernel = ctx.kernel({ name: 'max_pool2d', source: forwardSource, overrides: { WG, ITEMS: RUN } });
  const { inHeight, inWidth, kernelH, kernelW, strideH, strideW, padH, padW } = g;
  ctx.dispatch(kernel, { x: x.buffer, y: output.buffer, indices: indices.buffer }, { inHeight, inWidth, outHeight, outWidth, runs, kernelH, kernelW, strideH, strideW, padH, padW }, grid);
  return { output, indices };
}

/** gradOutput, indices: (B, C, H', W') -> gradInput: (B, C, H, W). */
export function maxPool2dBackward(ctx: GpuContext, gradOutput: GpuArray, indices: GpuArray, inputShape: readonly number[], options: MaxPool2dOptions): GpuArray {
  const g = maxPool2dGeometry(inputShape, options);
  const expected = maxPool2dOutputShape(g).join();
  if (gradOutput.shape.join() !== expected || indices.shape.join() !== expected) {
    throw new Error(`max_pool2d: gradOutput [${gradOutput.shape.join(', ')}] and indices [${indices.shape.join(', ')}] must be [${expected}]`);
  }
  const gradInput = empty(ctx, inputShape, 'max_pool2d.gradInput');
  const [, , outHeight, outWidth] = maxPool2dOutputShape(g);
  if (isDisjoint(g)) {
    // Windows tile the input: each output writes its own window, no gather over windows.
    const max = ctx.limits.maxComputeWorkgroupsPerDimension;
    const runs = Math.ceil(outWidth / RUN);
    const grid = [dispatchFor(outHeight * runs, WG, max, 'max_pool2d_backward plane'), dispatchFor(g.batch * g.channels, 1, max, 'max_pool2d_backward planes'), 1];
    const kernel = ctx.kernel({ name: 'max_pool2d_backward_disjoint', source: backwardDisjointSource, overrides: { WG, ITEMS: RUN } });
    const { inHeight, inWidth, kernelH, kernelW } = g;
    ctx.dispatch(kernel, { gradOutput: gradOutput.buffer, indices: indices.buffer, gradInput: gradInput.buffer }, { inHeight, inWidth, outHeight, outWidth, runs, kernelH, kernelW }, grid);
    return gradInput;
  }
  const size = inputShape.reduce((a, b) => a * b, 1);
  const kernel = ctx.kernel({ name: 'max_pool2d_backward', source: backwardSource, overrides: { WG } });
  ctx.dispatch(kernel, { gradOutput: gradOutput.buffer, indices: indices.buffer, gradInput: gradInput.buffer }, params(g, size), dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return gradInput;
}

/** kernel == stride and no padding: every input element lies in at most one window. */
export function isDisjoint(g: MaxPool2dGeometry): boolean {
  return g.kernelH === g.strideH && g.kernelW === g.strideW && g.padH === 0 && g.padW === 0;
}

function params(g: MaxPool2dGeometry, size: number) {
  const [, , outHeight, outWidth] = maxPool2dOutputShape(g);
  const { inHeight, inWidth, kernelH, kernelW, strideH, strideW, padH, padW } = g;
  return { size, inHeight, inWidth, outHeight, outWidth, kernelH, kernelW, strideH, strideW, padH, padW };
}

function pair(value: Pair, what: string, min: number): [number, number] {
  const [a, b] = typeof value === 'number' ? [value, value] : value;
  for (const v of [a, b]) {
    if (!Number.isInteger(v) || v < min) throw new Error(`max_pool2d: ${what} must be integers >= ${min}, got ${String(value)}`);
  }
  return [a, b];
}

export const maxPool2dOp: OpDef = {
  name: 'max_pool2d',
  shaders: ['pool/max_pool2d.wgsl', 'pool/max_pool2d_backward.wgsl', 'pool/max_pool2d_backward_disjoint.wgsl'],
  differentiable: true,
  // A max selects one float32 exactly; the backward adds at most ceil(k/s)^2 of them.
  tolerance: { atol: 0, rtol: 0, gradAtol: 1e-6, gradRtol: 1e-6 },
};
