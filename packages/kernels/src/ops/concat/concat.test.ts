import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { sizeOf } from '@duet/gpu';
import { fromData, free, toData } from '../../array';
import { concat, concatBackward, concatOp, concatShape } from './index';
import { concatBackwardReference, concatReference } from './reference';

// Odd sizes, batch 1, each axis in turn (negative axis too).
const CASES: { shapes: number[][]; axis: number }[] = [
  { shapes: [[1, 3, 5], [1, 2, 5], [1, 1, 5]], axis: 1 },
  { shapes: [[2, 3], [2, 4]], axis: -1 },
  { shapes: [[3, 2, 3], [1, 2, 3]], axis: 0 },
  { shapes: [[1, 2, 3, 5], [1, 2, 3, 7]], axis: 3 },
];

describe('concat reference', () => {
  it('places each input at its offset', () => {
    const y = concatReference([[1, 2, 3, 4], [5, 6]], [[2, 2], [2, 1]], 1);
    expect([...y]).toEqual([1, 2, 5, 3, 4, 6]);
  });

  it('rejects shapes that disagree off the axis', () => {
    expect(() => concatShape([[2, 3], [3, 3]], 1)).toThrow(/disagree/);
    expect(() => concatShape([[2, 3]], 2)).toThrow(/out of range/);
  });

  it.each(CASES)('backward matches finite differences with a random upstream gradient (axis $axis)', ({ shapes, axis }) => {
    const sizes = shapes.map(sizeOf);
    const total = sizes.reduce((a, b) => a + b, 0);
    const flat = randomArray(total, 1);
    const upstream = randomArray(total, 2);
    const split = (p: ArrayLike<number>) => {
      let at = 0;
      return sizes.map((n) => Array.from({ length: n }, () => p[at++]));
    };
    const numeric = numericGradient((p) => concatReference(split(p), shapes, axis), flat, upstream);
    const analytic = concatBackwardReference(upstream, shapes, axis).flatMap((g) => [...g]);
    expectClose(analytic, numeric, 1e-6, 1e-6, 'concat gradient');
  });
});

describeGpu('concat on the GPU', (gpu) => {
  itGpu('matches the reference forward and backward on every case', async () => {
    const ctx = gpu();
    const { atol, rtol, gradAtol = atol, gradRtol = rtol } = concatOp.tolerance;
    for (const [c, { shapes, axis }] of CASES.entries()) {
      const datas = shapes.map((s, k) => randomArray(sizeOf(s), 10 * c + k));
      const xs = shapes.map((s, k) => fromData(ctx, datas[k], s, 'x'));
      const y = concat(ctx, xs, axis);
      expect(y.shape).toEqual(concatShape(shapes, axis));
      expectClose(await toData(ctx, y), concatReference(datas, shapes, axis), atol, rtol, 'concat forward');
      const up = randomArray(sizeOf(y.shape), 99);
      const g = fromData(ctx, up, y.shape, 'g');
      const grads = concatBackward(ctx, g, shapes, axis);
      const expected = concatBackwardReference(up, shapes, axis);
      for (let k = 0; k < grads.length; k++) {
        expect(grads[k].shape).toEqual(shapes[k]);
        expectClose(await toData(ctx, grads[k]), expected[k], gradAtol, gradRtol, `concat backward ${k}`);
      }
      for (const a of [...xs, y, g, ...grads]) free(ctx, a);
    }
  });
});
