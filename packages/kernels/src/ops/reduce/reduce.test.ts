import { describe, expect, it } from 'vitest';
import { sizeOf } from '@duet/gpu';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData, toUint32 } from '../../array';
import { argmax, REDUCE_OPS, reduce, reduceBackward, reduceGeometry, reduceOp, sumTo, type ReduceOp, type ReduceStrategy } from './index';
import { argmaxReference, reduceBackwardReference, reduceReference, sumToReference } from './reference';

const OPS = Object.keys(REDUCE_OPS) as ReduceOp[];

// [shape, axis, keepdim]: first, middle, last and negative axes, size-1 axes, batch 1,
// and axes longer than a workgroup (the wide strategy's case).
const CASES: [number[], number, boolean][] = [
  [[7], 0, false],
  [[3, 5], 0, true],
  [[3, 5], -1, false],
  [[2, 3, 4, 5], 1, false],
  [[2, 3, 4, 5], 2, true],
  [[1, 9, 1], 1, false],
  [[4, 1, 3], 1, true],
  [[2, 300], 1, false],
  [[3, 1000, 2], 1, false],
];

describe('reduce reference', () => {
  for (const [shape, axis, keepdim] of [CASES[3], CASES[1]]) {
    it.each(OPS)(`%s backward matches finite differences on [${shape}] axis ${axis}`, (op) => {
      const options = { axis, keepdim };
      const x = randomArray(sizeOf(shape), 1);
      const upstream = randomArray(sizeOf(reduceGeometry(shape, options).outShape), 2);
      const analytic = reduceBackwardReference(op, x, shape, upstream, options);
      const numeric = numericGradient((p) => reduceReference(op, p, shape, options), x, upstream);
      expectClose(analytic, numeric, 1e-6, 1e-5, `${op} gradient`);
    });
  }

  it('drops or keeps the axis', () => {
    expect(reduceGeometry([2, 3, 4], { axis: -2 }).outShape).toEqual([2, 4]);
    expect(reduceGeometry([2, 3, 4], { axis: 1, keepdim: true }).outShape).toEqual([2, 1, 4]);
    expect(() => reduceGeometry([2, 3], { axis: 2 })).toThrow(/out of range/);
  });

  it('gives ties to the first maximal index, in argmax and the max gradient', () => {
    const x = [1, 5, 5, 2];
    expect([...argmaxReference(x, [4], { axis: 0 })]).toEqual([1]);
    expect([...reduceBackwardReference('max', x, [4], [3], { axis: 0 })]).toEqual([0, 3, 0, 0]);
  });

  it('sums a broadcast back to its input shape', () => {
    const x = randomArray(24, 5);
    const direct = new Float64Array(3);
    for (let i = 0; i < 24; i++) direct[Math.floor(i / 4) % 3] += x[i];
    expectClose(sumToReference(x, [2, 3, 4], [3, 1]), direct, 1e-6, 1e-6, 'sumTo');
  });
});

describeGpu('reduce on the GPU', (gpu) => {
  for (const [shape, axis, keepdim] of CASES) {
    itGpu(`matches the reference, forward and backward, on [${shape}] axis ${axis}${keepdim ? ' keepdim' : ''}`, async () => {
      const ctx = gpu();
      const { atol, rtol, gradAtol = atol, gradRtol = rtol } = reduceOp.tolerance;
      const options = { axis, keepdim };
      const outShape = reduceGeometry(shape, options).outShape;
      const xs = randomArray(sizeOf(shape), 3);
      const up = randomArray(sizeOf(outShape), 4);
      const x = fromData(ctx, xs, shape, 'x');
      const g = fromData(ctx, up, outShape, 'g');
      for (const op of OPS) {
        for (const strategy of ['serial', 'wide'] as ReduceStrategy[]) {
          const y = reduce(ctx, op, x, { ...options, strategy });
          expect(y.shape).toEqual(outShape);
          expectClose(await toData(ctx, y), reduceReference(op, xs, shape, options), atol, rtol, `${op} forward (${strategy})`);
          free(ctx, y);
        }
        const gx = reduceBackward(ctx, op, x, g, options);
        expectClose(await toData(ctx, gx), reduceBackwardReference(op, xs, shape, up, options), gradAtol, gradRtol, `${op} backward`);
        free(ctx, gx);
      }
      const indices = argmax(ctx, x, options);
      expect(indices.dtype).toBe('u32');
      expect([...(await toUint32(ctx, indices))]).toEqual([...argmaxReference(xs, shape, options)]);
      for (const t of [x, g, indices]) free(ctx, t);
    });
  }

  itGpu('takes the first maximum on ties', async () => {
    const ctx = gpu();
    const x = fromData(ctx, new Float32Array([1, 5, 5, 2, 7, 7, 7, 0]), [2, 4], 'x');
    const g = fromData(ctx, new Float32Array([3, 4]), [2], 'g');
    expect([...(await toUint32(ctx, argmax(ctx, x, { axis: 1 })))]).toEqual([1, 0]);
    expect([...(await toData(ctx, reduceBackward(ctx, 'max', x, g, { axis: 1 })))]).toEqual([0, 3, 0, 0, 4, 0, 0, 0]);
  });

  for (const [from, to] of [[[2, 3, 4], [3, 1]], [[5, 7], []], [[2, 3], [2, 3]], [[4, 1, 6], [1, 6]]] as const) {
    itGpu(`sumTo reduces [${from}] to [${to}]`, async () => {
      const ctx = gpu();
      const xs = randomArray(sizeOf(from), 6);
      const x = fromData(ctx, xs, from, 'x');
      const y = sumTo(ctx, x, to);
      expect(y.shape).toEqual(to);
      expectClose(await toData(ctx, y), sumToReference(xs, from, to), 1e-5, 1e-5, 'sumTo');
      free(ctx, x);
      free(ctx, y);
    });
  }

  itGpu('refuses shapes that are not a broadcast of the target', () => {
    const ctx = gpu();
    const x = fromData(ctx, new Float32Array(6), [2, 3], 'x');
    expect(() => sumTo(ctx, x, [2])).toThrow(/not a broadcast/);
    free(ctx, x);
  });
});
