/** CPU reference of concat and its backward: the oracle for the GPU kernels. */
import { axisView, concatShape } from './index';

export function concatReference(xs: readonly ArrayLike<number>[], shapes: readonly (readonly number[])[], axis: number): Float64Array {
  const shape = concatShape(shapes, axis);
  const { outer, length, inner } = axisView(shape, axis);
  const y = new Float64Array(outer * length * inner);
  let offset = 0;
  xs.forEach((x, k) => {
    const part = axisView(shapes[k], axis).length;
    for (let o = 0; o < outer; o++) {
      for (let a = 0; a < part; a++) {
        for (let i = 0; i < inner; i++) y[(o * length + offset + a) * inner + i] = x[(o * part + a) * inner + i];
      }
    }
    offset += part;
  });
  return y;
}

export function concatBackwardReference(gradOutput: ArrayLike<number>, shapes: readonly (readonly number[])[], axis: number): Float64Array[] {
  const { outer, length, inner } = axisView(concatShape(shapes, axis), axis);
  let offset = 0;
  return shapes.map((s) => {
    const part = axisView(s, axis).length;
    const g = new Float64Array(outer * part * inner);
    for (let o = 0; o < outer; o++) {
      for (let a = 0; a < part; a++) {
        for (let i = 0; i < inner; i++) g[(o * part + a) * inner + i] = gradOutput[(o * length + offset + a) * inner + i];
      }
    }
    offset += part;
    return g;
  });
}
