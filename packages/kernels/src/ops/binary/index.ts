/**
 * Elementwise binary ops with NumPy/PyTorch broadcasting (add, sub, mul, div, max, min, pow)
 * and their backward. The op is an override constant, as in unary. Backward reduces each
 * gradient to its input's own shape inside the kernel (deterministic, no atomics).
 * Tie rule: max/min send the whole gradient to `a` where a == b (PyTorch splits it in half).
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/elementwise/binary.wgsl';
import backwardSource from '@duet/shaders/elementwise/binary_backward.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { broadcastShapes, collapseBroadcast } from './broadcast';

export { broadcastShapes } from './broadcast';

/** Op codes as the WGSL `OP` override knows them. */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, pow: 6 } as const;
export type BinaryOp = keyof typeof BINARY_OPS;

const WG = 256;

export interface BinaryOptions {
  /** Write here instead of a new array (it must have the broadcast shape and be neither input). */
  readonly out?: GpuArray;
}

/** y = f(a, b): a (...A), b (...B) -> broadcast(A, B). */
export function binary(ctx: GpuContext, op: BinaryOp, a: GpuArray, b: GpuArray, options: BinaryOptions = {}): GpuArray {
  const shape = broadcastShapes(a.shape, b.shape);
  if (options.out && sizeOf(options.out.shape) !== sizeOf(shape)) {
    throw new Error(`${op}: out has shape [${options.out.shape.join(', ')}], the result [${shape.join(', ')}]`);
  }
  // NOTE: WebGPU forbids binding one buffer read-only and read-write in one dispatch.
  if (options.out && (options.out.buffer === a.buffer || options.out.buffer === b.buffer)) {
    throw new Error(`${op}: out must not share a buffer with an input`);
  }
  const y = options.out ?? empty(ctx, shape, op);
  const size = sizeOf(shape);
  if (size === 0) return y;
  const frame = collapseBroadcast(a.shape, b.shape);
  const kernel = ctx.kernel({ name: `binary/${op}`, source: forwardSource, overrides: { OP: BINARY_OPS[op], WG } });
  ctx.dispatch(
    kernel,
    { a: a.buffer, b: b.buffer, y: y.buffer },
    { size, aMode: frame.aMode, bMode: frame.bMode, outShape: frame.outShape, aStrides: frame.aStrides, bStrides: frame.bStrides },
    dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  return y;
}

/**
 * Gradient of sum(f(a, b) * gradOutput) with respect to one input, summed over the dims that
 * input was broadcast along: gradOutput (broadcast shape) -> (shape of `which`).
 */
export function binaryBackwardInput(ctx: GpuContext, op: BinaryOp, which: 'a' | 'b', a: GpuArray, b: GpuArray, gradOutput: GpuArray): GpuArray {
  const shape = broadcastShapes(a.shape, b.shape);
  if (sizeOf(gradOutput.shape) !== sizeOf(shape)) {
    throw new Error(`${op} backward: gradOutput has shape [${gradOutput.shape.join(', ')}], the output [${shape.join(', ')}]`);
  }
  const input = which === 'a' ? a : b;
  const gradInput = empty(ctx, input.shape, `${op}.grad${which.toUpperCase()}`);
  const size = sizeOf(input.shape);
  if (size === 0) return gradInput;
  const frame = collapseBroadcast(a.shape, b.shape);
  const kernel = ctx.kernel({
    name: `binary_backward/${op}/${which}`,
    source: backwardSource,
    overrides: { OP: BINARY_OPS[op], WRT: which === 'a' ? 0 : 1, WG },
  });
  ctx.dispatch(
    kernel,
    { a: a.buffer, b: b.buffer, gradOutput: gradOutput.buffer, gradInput: gradInput.buffer },
    {
      size,
      inMode: which === 'a' ? frame.aMode : frame.bMode,
      aMode: frame.aMode,
      bMode: frame.bMode,
      outShape: frame.outShape,
      inShape: which === 'a' ? frame.aShape : frame.bShape,
      aStrides: frame.aStrides,
      bStrides: frame.bStrides,
    },
    dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  return gradInput;
}

/** Both gradients: gradA has a's shape, gradB has b's. */
export function binaryBackward(ctx: GpuContext, op: BinaryOp, a: GpuArray, b: GpuArray, gradOutput: GpuArray): { gradA: GpuArray; gradB: GpuArray } {
  return {
    gradA: binaryBackwardInput(ctx, op, 'a', a, b, gradOutput),
    gradB: binaryBackwardInput(ctx, op, 'b', a, b, gradOutput),
  };
}

export const binaryOp: OpDef = {
  name: 'binary',
  shaders: ['elementwise/binary.wgsl', 'elementwise/binary_backward.wgsl'],
  differentiable: true,
  // Backward sums up to (broadcast extent) float32 terms per element.
  tolerance: { atol: 1e-6, rtol: 1e-5, gradAtol: 1e-5, gradRtol: 1e-4 },
};
