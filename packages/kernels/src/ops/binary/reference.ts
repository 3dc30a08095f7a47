/** CPU reference of the broadcasting binary ops, in float64: the oracle for the GPU kernels. */
import { sizeOf } from '@duet/gpu';
import { broadcastShapes } from './broadcast';
import type { BinaryOp } from './index';

/** y = f(a, b) with broadcasting; returns the values in the broadcast shape. */
export function binaryReference(op: BinaryOp, a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[]): Float64Array {
  const shape = broadcastShapes(aShape, bShape);
  const y = new Float64Array(sizeOf(shape));
  forEachPosition(shape, aShape, bShape, (i, ia, ib) => {
    y[i] = apply(op, a[ia], b[ib]);
  });
  return y;
}

/** Gradients of sum(f(a, b) * gradOutput), each summed back to its input's shape. */
export function binaryBackwardReference(
  op: BinaryOp, a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[], gradOutput: ArrayLike<number>,
): { gradA: Float64Array; gradB: Float64Array } {
  const shape = broadcastShapes(aShape, bShape);
  const gradA = new Float64Array(sizeOf(aShape));
  const gradB = new Float64Array(sizeOf(bShape));
  forEachPosition(shape, aShape, bShape, (i, ia, ib) => {
    const [da, db] = partials(op, a[ia], b[ib]);
    gradA[ia] += gradOutput[i] * da;
    gradB[ib] += gradOutput[i] * db;
  });
  return { gradA, gradB };
}

/** Visits every output index with the input indices it reads. */
function forEachPosition(shape: readonly number[], aShape: readonly number[], bShape: readonly number[], visit: (i: number, ia: number, ib: number) => void): void {
  const rank = shape.length;
  const aStrides = broadcastStrides(aShape, rank);
  const bStrides = broadcastStrides(bShape, rank);
  const index = new Array<number>(rank).fill(0);
  const size = sizeOf(shape);
  for (let i = 0; i < size; i++) {
    let rest = i;
    let ia = 0;
    let ib = 0;
    for (let d = rank - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      ia += index[d] * aStrides[d];
      ib += index[d] * bStrides[d];
    }
    visit(i, ia, ib);
  }
}

/** Strides of `shape` right-aligned to `rank` dims, 0 along size-1 (broadcast) dims. */
function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const strides = new Array<number>(rank).fill(0);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[rank - shape.length + d] = shape[d] === 1 ? 0 : step;
    step *= shape[d];
  }
  return strides;
}

function apply(op: BinaryOp, u: number, v: number): number {
  switch (op) {
    case 'add': return u + v;
    case 'sub': return u - v;
    case 'mul': return u * v;
    case 'div': return u / v;
    case 'max': return Math.max(u, v);
    case 'min': return Math.min(u, v);
    case 'pow': return Math.pow(u, v);
  }
}

/** [df/du, df/dv]; max/min give the whole gradient to u on a tie. */
function partials(op: BinaryOp, u: number, v: number): [number, number] {
  switch (op) {
    case 'add': return [1, 1];
    case 'sub': return [1, -1];
    case 'mul': return [v, u];
    case 'div': return [1 / v, -u / (v * v)];
    case 'max': return u >= v ? [1, 0] : [0, 1];
    case 'min': return u <= v ? [1, 0] : [0, 1];
    case 'pow': return [v * Math.pow(u, v - 1), u > 0 ? Math.pow(u, v) * Math.log(u) : 0];
  }
}
