import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { sizeOf } from '@duet/gpu';
import { fromData, free, toData } from '../../array';
import { slice, sliceBackward, sliceOp, sliceShape } from './index';
import { sliceBackwardReference, sliceReference } from './reference';

// Odd sizes, batch 1, first/last/middle axes, empty and full slices.
const CASES: { shape: number[]; axis: number; start: number; end: number }[] = [
  { shape: [1, 7, 3], axis: 1, start: 2, end: 5 },
  { shape: [3, 5], axis: -1, start: 0, end: 1 },
  { shape: [5, 2, 3], axis: 0, start: 1, end: 5 },
  { shape: [2, 3, 4, 5], axis: 3, start: 4, end: 5 },
  { shape: [2, 3], axis: 1, start: 0, end: 3 },
];

describe('slice reference', () => {
  it('takes the block along the axis', () => {
    expect([...sliceReference([1, 2, 3, 4, 5, 6], [2, 3], 1, 1, 3)]).toEqual([2, 3, 5, 6]);
  });

  it('rejects ranges outside the axis', () => {
    expect(() => sliceShape([2, 3], 1, 2, 4)).toThrow(/out of range/);
    expect(() => sliceShape([2, 3], 1, 2, 1)).toThrow(/out of range/);
  });

  it.each(CASES)('backward matches finite differences with a random upstream gradient ($shape, axis $axis)', ({ shape, axis, start, end }) => {
    const x = randomArray(sizeOf(shape), 1);
    const upstream = randomArray(sizeOf(sliceShape(shape, axis, start, end)), 2);
    const numeric = numericGradient((p) => sliceReference(p, shape, axis, start, end), x, upstream);
    expectClose(sliceBackwardReference(upstream, shape, axis, start, end), numeric, 1e-6, 1e-6, 'slice gradient');
  });
});

describeGpu('slice on the GPU', (gpu) => {
  itGpu('matches the reference forward and backward on every case', async () => {
    const ctx = gpu();
    const { atol, rtol, gradAtol = atol, gradRtol = rtol } = sliceOp.tolerance;
    for (const [c, { shape, axis, start, end }] of CASES.entries()) {
      const data = randomArray(sizeOf(shape), c);
      const x = fromData(ctx, data, shape, 'x');
      const y = slice(ctx, x, axis, start, end);
      expect(y.shape).toEqual(sliceShape(shape, axis, start, end));
      expectClose(await toData(ctx, y), sliceReference(data, shape, axis, start, end), atol, rtol, 'slice forward');
      const up = randomArray(sizeOf(y.shape), 50 + c);
      const g = fromData(ctx, up, y.shape, 'g');
      // Pooled buffers come back holding earlier cases' values: the backward must write the zeros itself.
      const gx = sliceBackward(ctx, g, shape, axis, start);
      expectClose(await toData(ctx, gx), sliceBackwardReference(up, shape, axis, start, end), gradAtol, gradRtol, 'slice backward');
      for (const a of [x, y, g, gx]) free(ctx, a);
    }
  });
});
