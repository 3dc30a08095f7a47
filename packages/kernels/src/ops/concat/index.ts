/**
 * Concatenation of arrays along one axis, and its backward (each input's block of the
 * gradient). One dispatch per input: concat is a layout op, not worth a fused kernel.
 */
import { dispatch1d, sizeOf, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/autograd/concat.wgsl';
import backwardSource from '@duet/shaders/autograd/concat_backward.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';

const WG = 256;

/** A shape seen as (outer, axis, inner) around `axis` (negative counts from the end). */
export function axisView(shape: readonly number[], axis: number): { axis: number; outer: number; length: number; inner: number } {
  const a = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(a) || a < 0 || a >= shape.length) throw new Error(`axis ${axis} is out of range for shape [${shape.join(', ')}]`);
  return { axis: a, outer: sizeOf(shape.slice(0, a)), length: shape[a], inner: sizeOf(shape.slice(a + 1)) };
}

/** Shape of the concatenation; throws unless the shapes agree off the axis. */
export function concatShape(shapes: readonly (readonly number[])[], axis: number): number[] {
  if (shapes.length === 0) throw new Error('concat needs at least one array');
  const { axis: a } = axisView(shapes[0], axis);
  const out = [...shapes[0]];
  out[a] = 0;
  for (const s of shapes) {
    if (s.length !== out.length || s.some((d, i) => i !== a && d !== out[i])) {
      throw new Error(`concat along axis ${a}: shapes [${shapes.map((t) => t.join(', ')).join('] [')}] disagree off the axis`);
    }
    out[a] += s[a];
  }
  return out;
}

// xs[k]: (..., n_k, ...) -> (..., sum n_k, ...)
/** Concatenates `xs` along `axis`. */
export function concat(ctx: GpuContext, xs: readonly GpuArray[], axis: number): GpuArray {
  const shape = concatShape(xs.map((x) => x.shape), axis);
  const { axis: a, inner } = axisView(shape, axis);
  const y = empty(ctx, shape, 'concat');
  const kernel = ctx.kernel({ name: 'concat', source: forwardSource, overrides: { WG } });
  let offset = 0;
  for (const x of xs) {
    const size = sizeOf(x.shape);
    ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, { size, partLength: x.shape[a], totalLength: shape[a], inner, offset }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
    offset += x.shape[a];
  }
  return y;
}

// gradOutput: (..., sum n_k, ...) -> [(..., n_k, ...)]
/** Splits the gradient of a concatenation back into one gradient per input shape. */
export function concatBackward(ctx: GpuContext, gradOutput: GpuArray, shapes: readonly (readonly number[])[], axis: number): GpuArray[] {
  const shape = concatShape(shapes, axis);
  const { axis: a, inner } = axisView(shape, axis);
  const kernel = ctx.kernel({ name: 'concat_backward', source: backwardSource, overrides: { WG } });
  let offset = 0;
  return shapes.map((s) => {
    const size = sizeOf(s);
    const gradInput = empty(ctx, s, 'concat.gradInput');
    ctx.dispatch(kernel, { gradOutput: gradOutput.buffer, gradInput: gradInput.buffer }, { size, partLength: s[a], totalLength: shape[a], inner, offset }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
    offset += s[a];
    return gradInput;
  });
}

export const concatOp: OpDef = {
  name: 'concat',
  shaders: ['autograd/concat.wgsl', 'autograd/concat_backward.wgsl'],
  differentiable: true,
  tolerance: { atol: 0, rtol: 0, gradAtol: 0, gradRtol: 0 },
};
