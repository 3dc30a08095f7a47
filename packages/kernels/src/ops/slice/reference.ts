/** CPU reference of slice and its backward: the oracle for the GPU kernels. */
import { axisView } from '../concat/index';
import { sliceShape } from './index';

export function sliceReference(x: ArrayLike<number>, shape: readonly number[], axis: number, start: number, end: number): Float64Array {
  sliceShape(shape, axis, start, end);
  const { outer, length, inner } = axisView(shape, axis);
  const n = end - start;
  const y = new Float64Array(outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < n; a++) {
      for (let i = 0; i < inner; i++) y[(o * n + a) * inner + i] = x[(o * length + start + a) * inner + i];
    }
  }
  return y;
}

export function sliceBackwardReference(gradOutput: ArrayLike<number>, inputShape: readonly number[], axis: number, start: number, end: number): Float64Array {
  const { outer, length, inner } = axisView(inputShape, axis);
  const n = end - start;
  const g = new Float64Array(outer * length * inner);
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < n; a++) {
      for (let i = 0; i < inner; i++) g[(o * length + start + a) * inner + i] = gradOutput[(o * n + a) * inner + i];
    }
  }
  return g;
}
