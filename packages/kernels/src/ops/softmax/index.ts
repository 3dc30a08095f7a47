/**
 * Softmax and log-softmax over the last axis, numerically stable (the row max is subtracted),
 * and their backward from the forward output. Any shape is viewed as (rows, cols) with cols
 * the last axis. One workgroup per row; its width follows cols (a power of two, 32..256).
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/softmax/softmax.wgsl';
import backwardSource from '@duet/shaders/softmax/softmax_backward.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';

/** (rows, cols) view of a shape whose last axis is the softmax axis. */
export function rowsAndCols(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) throw new Error('softmax: needs at least one axis');
  const cols = shape[shape.length - 1];
  return { rows: cols === 0 ? 0 : sizeOf(shape) / cols, cols };
}

/** Workgroup width for a row of `cols`: enough invocations to cover it, within 32..256. */
function widthFor(cols: number): number {
  let width = 32;
  while (width < cols && width < 256) width *= 2;
  return width;
}

function run(ctx: GpuContext, log: boolean, x: GpuArray): GpuArray {
  const { rows, cols } = rowsAndCols(x.shape);
  const name = log ? 'logSoftmax' : 'softmax';
  const y = empty(ctx, x.shape, name);
  if (rows === 0) return y;
  const WG = widthFor(cols);
  const kernel = ctx.kernel({ name: `softmax/${name}`, source: forwardSource, overrides: { LOG: log ? 1 : 0, WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, { rows, cols }, dispatch1d(rows, 1, ctx.limits.maxComputeWorkgroupsPerDimension));
  return y;
}

function runBackward(ctx: GpuContext, log: boolean, y: GpuArray, gradOutput: GpuArray): GpuArray {
  const { rows, cols } = rowsAndCols(y.shape);
  const name = log ? 'logSoftmax' : 'softmax';
  if (sizeOf(gradOutput.shape) !== sizeOf(y.shape)) {
    throw new Error(`${name} backward: gradOutput [${gradOutput.shape.join(', ')}] does not match the output [${y.shape.join(', ')}]`);
  }
  const gradInput = empty(ctx, y.shape, `${name}.gradInput`);
  if (rows === 0) return gradInput;
  const WG = widthFor(cols);
  const kernel = ctx.kernel({ name: `softmax_backward/${name}`, source: backwardSource, overrides: { LOG: log ? 1 : 0, WG } });
  ctx.dispatch(kernel, { y: y.buffer, gradOutput: gradOutput.buffer, gradInput: gradInput.buffer }, { rows, cols }, dispatch1d(rows, 1, ctx.limits.maxComputeWorkgroupsPerDimension));
  return gradInput;
}

/** y = exp(x) / sum(exp(x)) over the last axis: (..., C) -> (..., C). */
export function softmax(ctx: GpuContext, x: GpuArray): GpuArray {
  return run(ctx, false, x);
}

/** y = x - log(sum(exp(x))) over the last axis: (..., C) -> (..., C). */
export function logSoftmax(ctx: GpuContext, x: GpuArray): GpuArray {
  return run(ctx, true, x);
}

/** gradInput = y * (gradOutput - sum(gradOutput * y)), from the softmax output y: (..., C). */
export function softmaxBackward(ctx: GpuContext, y: GpuArray, gradOutput: GpuArray): GpuArray {
  return runBackward(ctx, false, y, gradOutput);
}

/** gradInput = gradOutput - exp(y) * sum(gradOutput), from the log-softmax output y: (..., C). */
export function logSoftmaxBackward(ctx: GpuContext, y: GpuArray, gradOutput: GpuArray): GpuArray {
  return runBackward(ctx, true, y, gradOutput);
}

export const softmaxOp: OpDef = {
  name: 'softmax',
  shaders: ['softmax/softmax.wgsl', 'softmax/softmax_backward.wgsl'],
  differentiable: true,
  tolerance: { atol: 1e-6, rtol: 1e-5, gradAtol: 1e-6, gradRtol: 1e-5 },
};
