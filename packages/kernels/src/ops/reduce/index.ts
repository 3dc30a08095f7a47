/**
 * Reductions over one axis (sum, mean, max, argmax) of any rank, and their backward. The
 * shape is viewed as (outer, axis, inner), so any axis is one strided walk; keepdim keeps the
 * reduced axis with extent 1. max's gradient goes to the first maximal index, as argmax picks.
 * sumTo reduces a broadcast result back to an input's shape (the binary ops' gradient rule).
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import argmaxSource from '@duet/shaders/reduce/argmax.wgsl';
import maxBackwardSource from '@duet/shaders/reduce/max_backward.wgsl';
import reduceSource from '@duet/shaders/reduce/reduce.wgsl';
import reduceBackwardSource from '@duet/shaders/reduce/reduce_backward.wgsl';
import reduceWideSource from '@duet/shaders/reduce/reduce_wide.wgsl';
import { empty, free, reshape, type GpuArray } from '../../array';
import type { OpDef } from '../../op';

/** Op codes as the WGSL `OP` override of reduce.wgsl knows them. */
export const REDUCE_OPS = { sum: 0, mean: 1, max: 2 } as const;
export type ReduceOp = keyof typeof REDUCE_OPS;

const WG = 256;

export interface ReduceOptions {
  /** The axis to reduce; negative counts from the end (-1: last). */
  readonly axis: number;
  /** Keep the reduced axis with extent 1 (default false: drop it). */
  readonly keepdim?: boolean;
}

/**
 * How sum/mean/max walk the axis: 'serial', one invocation per output element (many outputs);
 * 'wide', one workgroup per output element (few outputs, long axis). Default: by shape.
 */
export type ReduceStrategy = 'serial' | 'wide';

// Below this many outputs a serial reduction leaves most of a GPU idle, and past this axis
// length one invocation's walk dominates the dispatch.
const WIDE_MAX_OUTPUTS = 1024;
const WIDE_MIN_AXIS = 512;

/**
 * The default strategy. NOTE: on lavapipe serial won at every shape measured, a full sum of
 * 262144 values included (2.9 ms against 9.1 ms: barriers are dear on a CPU driver), so
 * software adapters always walk serially. On hardware adapters wide is picked for few outputs
 * and long axes, where one GPU thread walking the whole axis would dominate; that threshold
 * is not measured yet (no hardware adapter here).
 */
export function reduceStrategy(ctx: GpuContext, outputs: number, axisSize: number): ReduceStrategy {
  if (ctx.adapter.isSoftware) return 'serial';
  return outputs < WIDE_MAX_OUTPUTS && axisSize >= WIDE_MIN_AXIS ? 'wide' : 'serial';
}

/** The (outer, axis, inner) view of `shape` around `axis`, and the reduced shape. */
export function reduceGeometry(shape: readonly number[], options: ReduceOptions): { outer: number; axisSize: number; inner: number; axis: number; outShape: number[] } {
  const rank = shape.length;
  const axis = options.axis < 0 ? options.axis + rank : options.axis;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new Error(`reduce: axis ${options.axis} is out of range for shape [${shape.join(', ')}]`);
  }
  const outShape = options.keepdim ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
  return { outer: sizeOf(shape.slice(0, axis)), axisSize: shape[axis], inner: sizeOf(shape.slice(axis + 1)), axis, outShape };
}

/** y = sum / mean / max of x over one axis: (..., A, ...) -> (..., [1,] ...). */
export function reduce(ctx: GpuContext, op: ReduceOp, x: GpuArray, options: ReduceOptions & { readonly strategy?: ReduceStrategy }): GpuArray {
  const { outer, axisSize, inner, outShape } = reduceGeometry(x.shape, options);
  if (op === 'max' && axisSize === 0) throw new Error(`reduce max: axis ${options.axis} of [${x.shape.join(', ')}] is empty`);
  const y = empty(ctx, outShape, `reduce.${op}`);
  const size = outer * inner;
  if (size === 0) return y;
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  const params = { size, axisSize, inner };
  if ((options.strategy ?? reduceStrategy(ctx, size, axisSize)) === 'wide') {
    const kernel = ctx.kernel({ name: `reduce_wide/${op}`, source: reduceWideSource, overrides: { OP: REDUCE_OPS[op], WG } });
    ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, params, dispatch1d(size, 1, max));
  } else {
    const kernel = ctx.kernel({ name: `reduce/${op}`, source: reduceSource, overrides: { OP: REDUCE_OPS[op], WG } });
    ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, params, dispatch1d(size, WG, max));
  }
  return y;
}

/** Index (u32) of the first maximum of x along one axis: (..., A, ...) -> (..., [1,] ...). */
export function argmax(ctx: GpuContext, x: GpuArray, options: ReduceOptions): GpuArray {
  const { outer, axisSize, inner, outShape } = reduceGeometry(x.shape, options);
  if (axisSize === 0) throw new Error(`argmax: axis ${options.axis} of [${x.shape.join(', ')}] is empty`);
  const indices = empty(ctx, outShape, 'argmax', 'u32');
  const size = outer * inner;
  if (size === 0) return indices;
  const kernel = ctx.kernel({ name: 'argmax', source: argmaxSource, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, indices: indices.buffer }, { size, axisSize, inner }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
  return indices;
}

/**
 * Gradient of sum(reduce(x) * gradOutput) with respect to x: gradOutput (reduced shape,
 * keepdim or not) -> x's shape. Only max reads x's values (to find the first maximum).
 */
export function reduceBackward(ctx: GpuContext, op: ReduceOp, x: GpuArray, gradOutput: GpuArray, options: ReduceOptions): GpuArray {
  const { outer, axisSize, inner } = reduceGeometry(x.shape, options);
  if (sizeOf(gradOutput.shape) !== outer * inner) {
    throw new Error(`reduce ${op} backward: gradOutput has ${sizeOf(gradOutput.shape)} elements, the output ${outer * inner}`);
  }
  const gradInput = empty(ctx, x.shape, `reduce.${op}.gradInput`);
  const size = sizeOf(x.shape);
  if (size === 0) return gradInput;
  const groups = dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension);
  if (op === 'max') {
    const indices = argmax(ctx, x, options);
    const kernel = ctx.kernel({ name: 'reduce_backward/max', source: maxBackwardSource, overrides: { WG } });
    ctx.dispatch(kernel, { indices: indices.buffer, gradOutput: gradOutput.buffer, gradInput: gradInput.buffer }, { size, axisSize, inner }, groups);
    free(ctx, indices);
    return gradInput;
  }
  const kernel = ctx.kernel({ name: 'reduce_backward/sum', source: reduceBackwardSource, overrides: { WG } });
  const scale = op === 'mean' ? 1 / axisSize : 1;
  ctx.dispatch(kernel, { gradOutput: gradOutput.buffer, gradInput: gradInput.buffer }, { size, axisSize, inner, scale }, groups);
  return gradInput;
}

/**
 * Sums x down to `shape`, which x's shape is a broadcast of (right-aligned): the gradient of
 * a broadcast. One sum per broadcast axis; returns a new array even when nothing is summed.
 */
export function sumTo(ctx: GpuContext, x: GpuArray, shape: readonly number[]): GpuArray {
  const axes = broadcastAxes(x.shape, shape);
  let current = x;
  for (const axis of axes) {
    const next = reduce(ctx, 'sum', current, { axis, keepdim: true });
    if (current !== x) free(ctx, current);
    current = next;
  }
  if (current === x) {
    current = empty(ctx, x.shape, 'sumTo');
    ctx.copy(x.buffer, current.buffer, sizeOf(x.shape) * 4);
  }
  return reshape(current, shape);
}

/** Axes of `from` that sum away to reach `to` (leading extra axes, and 1s in `to` facing > 1). */
export function broadcastAxes(from: readonly number[], to: readonly number[]): number[] {
  const lead = from.length - to.length;
  const fail = () => new Error(`sumTo: [${from.join(', ')}] is not a broadcast of [${to.join(', ')}]`);
  if (lead < 0) throw fail();
  const axes: number[] = [];
  for (let d = 0; d < from.length; d++) {
    const target = d < lead ? 1 : to[d - lead];
    if (target === from[d]) continue;
    if (target !== 1) throw fail();
    axes.push(d);
  }
  return axes;
}

export const reduceOp: OpDef = {
  name: 'reduce',
  shaders: ['reduce/reduce.wgsl', 'reduce/reduce_wide.wgsl', 'reduce/argmax.wgsl', 'reduce/reduce_backward.wgsl', 'reduce/max_backward.wgsl'],
  differentiable: true,
  // Sums accumulate axisSize float32 terms in order.
  tolerance: { atol: 1e-5, rtol: 1e-5, gradAtol: 1e-6, gradRtol: 1e-5 },
};
