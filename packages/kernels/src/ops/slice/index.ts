/**
 * A contiguous slice [start, end) along one axis, and its backward (the gradient placed back
 * at the slice, zeros elsewhere).
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/autograd/slice.wgsl';
import backwardSource from '@duet/shaders/autograd/slice_backward.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { axisView } from '../concat/index';

const WG = 256;

/** Shape of x[..., start:end, ...] along `axis`; throws unless 0 <= start <= end <= length. */
export function sliceShape(shape: readonly number[], axis: number, start: number, end: number): number[] {
  const { axis: a, length } = axisView(shape, axis);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > length) {
    throw new Error(`slice [${start}, ${end}) is out of range for axis ${a} of length ${length}`);
  }
  const out = [...shape];
  out[a] = end - start;
  return out;
}

// x: (..., n, ...) -> (..., end - start, ...)
/** y = x[..., start:end, ...] along `axis`. */
export function slice(ctx: GpuContext, x: GpuArray, axis: number, start: number, end: number): GpuArray {
  const shape = sliceShape(x.shape, axis, start, end);
  const { length: inputLength, inner } = axisView(x.shape, axis);
  const size = sizeOf(shape);
  const y = empty(ctx, shape, 'slice');
  const kernel = ctx.kernel({ name: 'slice', source: forwardSource, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, { size, length: end - start, inputLength, inner, start }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return y;
}

// gradOutput: (..., end - start, ...) -> (..., n, ...)
/** gradInput: gradOutput at the slice, zero elsewhere. */
export function sliceBackward(ctx: GpuContext, gradOutput: GpuArray, inputShape: readonly number[], axis: number, start: number): GpuArray {
  const { length: inputLength, inner } = axisView(inputShape, axis);
  const length = axisView(gradOutput.shape, axis).length;
  sliceShape(inputShape, axis, start, start + length);
  const size = sizeOf(inputShape);
  const gradInput = empty(ctx, inputShape, 'slice.gradInput');
  const kernel = ctx.kernel({ name: 'slice_backward', source: backwardSource, overrides: { WG } });
  ctx.dispatch(kernel, { gradOutput: gradOutput.buffer, gradInput: gradInput.buffer }, { size, length, inputLength, inner, start }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return gradInput;
}

export const sliceOp: OpDef = {
  name: 'slice',
  shaders: ['autograd/slice.wgsl', 'autograd/slice_backward.wgsl'],
  differentiable: true,
  tolerance: { atol: 0, rtol: 0, gradAtol: 0, gradRtol: 0 },
};
