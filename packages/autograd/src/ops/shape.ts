/** Layout ops: reshape and flatten (views), 2-D transpose, concat and slice along an axis. */
import { sizeOf, type GpuContext } from '@duet/gpu';
import { concat as concatKernel, concatBackward, fromData, free, matmul, reshapeArray, slice as sliceKernel, sliceBackward, type GpuArray } from '../kernels';
import { record, type Tensor } from '../tensor';

/** Same data, new shape (one dim may be -1). A view: no copy, the gradient is reshaped back. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const resolved = resolveShape(x.shape, shape);
  return record('reshape', reshapeArray(x.data, resolved), [x], (g) => [reshapeArray(g, x.shape)], false);
}

// x: (B, C, H, W) -> (B, C*H*W) with startDim 1
/** Merges dims startDim.. into one (PyTorch's flatten(x, startDim)). */
export function flatten(x: Tensor, startDim = 1): Tensor {
  const rank = x.shape.length;
  const start = startDim < 0 ? startDim + rank : startDim;
  if (start < 0 || start >= Math.max(rank, 1)) throw new Error(`flatten: startDim ${startDim} is out of range for shape [${x.shape.join(', ')}]`);
  return reshape(x, [...x.shape.slice(0, start), sizeOf(x.shape.slice(start))]);
}

// x: (M, N) -> (N, M)
/** Transpose of a 2-D tensor, as a matmul against the identity (no transpose kernel needed). */
export function transpose(x: Tensor): Tensor {
  if (x.shape.length !== 2) throw new Error(`transpose: needs a 2-D tensor, not shape [${x.shape.join(', ')}]`);
  return record('transpose', transposeArray(x.ctx, x.data), [x], (g) => [transposeArray(x.ctx, g)]);
}

function transposeArray(ctx: GpuContext, a: GpuArray): GpuArray {
  const m = a.shape[0];
  const eye = new Float32Array(m * m);
  for (let i = 0; i < m; i++) eye[i * m + i] = 1;
  const identity = fromData(ctx, eye, [m, m], 'transpose.identity');
  // a^T (N, M) = a^T (N, M) @ I (M, M)
  const out = matmul(ctx, a, identity, { transposeA: true });
  free(ctx, identity);
  return out;
}

// xs[k]: (..., n_k, ...) -> (..., sum n_k, ...)
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one tensor');
  const ctx = xs[0].ctx;
  const shapes = xs.map((x) => x.shape);
  return record('concat', concatKernel(ctx, xs.map((x) => x.data), axis), xs, (g) => concatBackward(ctx, g, shapes, axis));
}

// x: (..., n, ...) -> (..., end - start, ...)
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  return record('slice', sliceKernel(x.ctx, x.data, axis, start, end), [x], (g) => [sliceBackward(x.ctx, g, x.shape, axis, start)]);
}

function resolveShape(from: readonly number[], to: readonly number[]): number[] {
  const free = to.filter((d) => d === -1).length;
  const known = sizeOf(to.filter((d) => d !== -1));
  const total = sizeOf(from);
  if (free > 1 || (free === 1 && (known === 0 || total % known !== 0))) {
    throw new Error(`cannot reshape [${from.join(', ')}] to [${to.join(', ')}]`);
  }
  return to.map((d) => (d === -1 ? total / known : d));
}
