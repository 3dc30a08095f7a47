/** CPU reference of the one-axis reductions, in float64: the oracle for the GPU kernels. */
import { sizeOf } from '@duet/gpu';
import { broadcastAxes, reduceGeometry, type ReduceOp, type ReduceOptions } from './index';

export function reduceReference(op: ReduceOp, x: ArrayLike<number>, shape: readonly number[], options: ReduceOptions): Float64Array {
  const { outer, axisSize, inner } = reduceGeometry(shape, options);
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let acc = op === 'max' ? -Infinity : 0;
      for (let a = 0; a < axisSize; a++) {
        const v = x[(o * axisSize + a) * inner + k];
        acc = op === 'max' ? Math.max(acc, v) : acc + v;
      }
      y[o * inner + k] = op === 'mean' ? acc / axisSize : acc;
    }
  }
  return y;
}

/** First index of the maximum along the axis. */
export function argmaxReference(x: ArrayLike<number>, shape: readonly number[], options: ReduceOptions): Uint32Array {
  const { outer, axisSize, inner } = reduceGeometry(shape, options);
  const indices = new Uint32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let best = 0;
      for (let a = 1; a < axisSize; a++) {
        if (x[(o * axisSize + a) * inner + k] > x[(o * axisSize + best) * inner + k]) best = a;
      }
      indices[o * inner + k] = best;
    }
  }
  return indices;
}

export function reduceBackwardReference(op: ReduceOp, x: ArrayLike<number>, shape: readonly number[], gradOutput: ArrayLike<number>, options: ReduceOptions): Float64Array {
  const { outer, axisSize, inner } = reduceGeometry(shape, options);
  const indices = op === 'max' ? argmaxReference(x, shape, options) : null;
  const gradInput = new Float64Array(sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < axisSize; a++) {
      for (let k = 0; k < inner; k++) {
        const g = gradOutput[o * inner + k];
        const i = (o * axisSize + a) * inner + k;
        if (op === 'sum') gradInput[i] = g;
        else if (op === 'mean') gradInput[i] = g / axisSize;
        else gradInput[i] = indices![o * inner + k] === a ? g : 0;
      }
    }
  }
  return gradInput;
}

/** Sums x of shape `from` down to `to`, which `from` is a broadcast of. */
export function sumToReference(x: ArrayLike<number>, from: readonly number[], to: readonly number[]): Float64Array {
  let values: ArrayLike<number> = x;
  let shape = [...from];
  for (const axis of broadcastAxes(from, to)) {
    values = reduceReference('sum', values, shape, { axis, keepdim: true });
    shape = shape.map((d, i) => (i === axis ? 1 : d));
  }
  return Float64Array.from(values);
}
