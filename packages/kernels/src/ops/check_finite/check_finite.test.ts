import { describe, expect, it } from 'vitest';
import { describeGpu, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toUint32 } from '../../array';
import { checkFinite } from './index';
import { checkFiniteReference } from './reference';

describe('checkFinite reference', () => {
  it('ORs the bit into the slot only when a value is NaN or infinite', () => {
    expect([...checkFiniteReference([1, -2, 3e38], [0, 4], 1, 2)]).toEqual([0, 4]);
    expect([...checkFiniteReference([1, NaN], [0, 4], 1, 2)]).toEqual([0, 6]);
    expect([...checkFiniteReference([-Infinity], [1, 0], 0, 8)]).toEqual([9, 0]);
  });
});

describeGpu('checkFinite on the GPU', (gpu) => {
  // 1, 257 and 70,000 are not multiples of the 256-wide workgroup; 70,000 spans many workgroups.
  itGpu('flags NaN, +Inf and -Inf anywhere, leaves finite extremes and other slots alone', async () => {
    const ctx = gpu();
    const cases: { n: number; bad: number; at: number }[] = [
      { n: 1, bad: NaN, at: 0 },
      { n: 257, bad: Infinity, at: 256 },
      { n: 70_000, bad: -Infinity, at: 69_999 },
      { n: 70_000, bad: NaN, at: 12_345 },
    ];
    for (const { n, bad, at } of cases) {
      const clean = randomArray(n, n, -3, 3);
      clean[0] = 3.4e38; // finite extremes are not flagged
      if (n > 1) clean[1] = -1.2e-45;
      const dirty = Float32Array.from(clean);
      dirty[at] = bad;
      const flags = fromData(ctx, Uint32Array.from([0, 1, 0]), [3], 'flags');
      const x = fromData(ctx, clean, [n], 'x');
      const y = fromData(ctx, dirty, [n], 'y');
      checkFinite(ctx, x, flags, 0, 2);
      checkFinite(ctx, y, flags, 2, 4);
      checkFinite(ctx, y, flags, 1, 2);
      const expected = checkFiniteReference(dirty, checkFiniteReference(dirty, checkFiniteReference(clean, [0, 1, 0], 0, 2), 2, 4), 1, 2);
      expect([...(await toUint32(ctx, flags))], `n = ${n}, ${bad} at ${at}`).toEqual([...expected]);
      expect([...expected]).toEqual([0, 3, 4]);
      for (const a of [flags, x, y]) free(ctx, a);
    }
  });

  itGpu('refuses a slot outside the flags and a zero bit', () => {
    const ctx = gpu();
    const flags = fromData(ctx, new Uint32Array(2), [2], 'flags');
    const x = fromData(ctx, new Float32Array(3), [3], 'x');
    expect(() => checkFinite(ctx, x, flags, 2, 1)).toThrow(/slot 2 is outside flags \(2\)/);
    expect(() => checkFinite(ctx, x, flags, 0, 0)).toThrow(/bit 0/);
    free(ctx, flags);
    free(ctx, x);
  });
});
