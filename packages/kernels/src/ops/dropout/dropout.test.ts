import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData, toUint32 } from '../../array';
import { dropout, dropoutBackward, dropoutOp } from './index';
import { dropoutBackwardReference, dropoutMaskReference, dropoutReference, isKept, philox4x32 } from './reference';

const hex = (words: Uint32Array) => [...words].map((w) => w.toString(16).padStart(8, '0'));

describe('dropout reference', () => {
  it('implements Philox4x32-10 (Random123 known-answer vectors)', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])))
      .toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('backward matches finite differences with a random upstream gradient', () => {
    const options = { p: 0.4, seed: 7, step: 3 };
    const mask = dropoutMaskReference(45, options);
    const x = randomArray(45, 1);
    const upstream = randomArray(45, 2);
    const numeric = numericGradient((v) => dropoutReference(v, mask, 0.4), x, upstream);
    expectClose(dropoutBackwardReference(upstream, mask, 0.4), numeric, 1e-6, 1e-5, 'gradInput');
  });

  it('changes the mask with the seed and the step, and keeps nothing at p = 1', () => {
    const base = dropoutMaskReference(200, { p: 0.5, seed: 1, step: 0 });
    expect(dropoutMaskReference(200, { p: 0.5, seed: 1, step: 0 })).toEqual(base);
    expect(dropoutMaskReference(200, { p: 0.5, seed: 2, step: 0 })).not.toEqual(base);
    expect(dropoutMaskReference(200, { p: 0.5, seed: 1, step: 1 })).not.toEqual(base);
    expect(dropoutMaskReference(200, { p: 0.5, seed: 1 + 2 ** 32, step: 0 })).not.toEqual(base);
    expect([...dropoutMaskReference(40, { p: 1, seed: 1, step: 0 })]).toEqual([0, 0]);
    expect([...dropoutMaskReference(40, { p: 0, seed: 1, step: 0 })]).toEqual([0xffffffff, 0xff]);
  });
});

describeGpu('dropout on the GPU', (gpu) => {
  // Sizes that are not multiples of 4 (one Philox call), 32 (one mask word) or the workgroup.
  for (const [size, p, seed, step] of [[1, 0.5, 1, 0], [37, 0.3, 42, 5], [1000, 0.5, 2 ** 40 + 3, 0xffffffff], [3001, 0.9, 9, 1]]) {
    itGpu(`gives the CPU mask bit for bit, and matching values and gradients (n = ${size}, p = ${p})`, async () => {
      const ctx = gpu();
      const { atol, rtol, gradAtol = atol, gradRtol = rtol } = dropoutOp.tolerance;
      const options = { p, seed, step };
      const xs = randomArray(size, 3);
      const up = randomArray(size, 4);
      const x = fromData(ctx, xs, [size], 'x');
      const g = fromData(ctx, up, [size], 'g');
      const { output, mask } = dropout(ctx, x, options);
      const expectedMask = dropoutMaskReference(size, options);
      expect(hex(await toUint32(ctx, mask))).toEqual(hex(expectedMask));
      expectClose(await toData(ctx, output), dropoutReference(xs, expectedMask, p), atol, rtol, 'output');
      const gx = dropoutBackward(ctx, g, mask, options);
      expectClose(await toData(ctx, gx), dropoutBackwardReference(up, expectedMask, p), gradAtol, gradRtol, 'gradInput');
      for (const t of [x, g, output, mask, gx]) free(ctx, t);
    });
  }

  itGpu('keeps close to 1 - p of a large tensor, and the same (seed, step) gives the same mask', async () => {
    const ctx = gpu();
    const size = 100_003;
    const x = fromData(ctx, new Float32Array(size).fill(1), [size], 'x');
    const first = dropout(ctx, x, { p: 0.3, seed: 123, step: 17 });
    const again = dropout(ctx, x, { p: 0.3, seed: 123, step: 17 });
    const mask = await toUint32(ctx, first.mask);
    expect([...(await toUint32(ctx, again.mask))]).toEqual([...mask]);
    let kept = 0;
    for (let i = 0; i < size; i++) if (isKept(mask, i)) kept++;
    // Binomial standard deviation sqrt(0.21 / n) ~ 0.0015: this allows more than 3 of them.
    expect(Math.abs(kept / size - 0.7)).toBeLessThan(0.005);
    const values = await toData(ctx, first.output);
    expect(values.reduce((s, v) => s + v, 0) / size).toBeCloseTo(1, 1);
    for (const t of [x, first.output, first.mask, again.output, again.mask]) free(ctx, t);
  });

  itGpu('is the identity at p = 0 and zero at p = 1', async () => {
    const ctx = gpu();
    const xs = randomArray(10, 5);
    const x = fromData(ctx, xs, [2, 5], 'x');
    expect([...(await toData(ctx, dropout(ctx, x, { p: 0, seed: 1, step: 0 }).output))]).toEqual([...xs]);
    const all = dropout(ctx, x, { p: 1, seed: 1, step: 0 });
    expect([...(await toData(ctx, all.output))]).toEqual(new Array(10).fill(0));
    expect([...(await toData(ctx, dropoutBackward(ctx, x, all.mask, { p: 1 })))]).toEqual(new Array(10).fill(0));
  });
});
