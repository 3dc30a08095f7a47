import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { drawMixup, mixup, mixupOp } from './index';
import { mixupReference } from './reference';

describe('mixup draws', () => {
  it('gives a permutation and weights in [0, 1], the same for the same (seed, step) and new ones otherwise', () => {
    const draw = drawMixup(37, { seed: 5, step: 2, alpha: 0.4 });
    expect([...draw.partner].sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    for (const l of draw.lambda) expect(l >= 0 && l <= 1).toBe(true);
    expect(drawMixup(37, { seed: 5, step: 2, alpha: 0.4 })).toEqual(draw);
    const next = drawMixup(37, { seed: 5, step: 3, alpha: 0.4 });
    expect(next.partner).not.toEqual(draw.partner);
    expect(next.lambda).not.toEqual(draw.lambda);
  });

  // Beta(a, a) has mean 1/2 and variance 1 / (4 (2a + 1)).
  for (const alpha of [0.2, 1, 3]) {
    it(`draws lambda from Beta(${alpha}, ${alpha}) (mean and variance over 20000 samples)`, () => {
      const { lambda } = drawMixup(20000, { seed: 1, step: 0, alpha });
      const mean = lambda.reduce((s, v) => s + v, 0) / lambda.length;
      const variance = lambda.reduce((s, v) => s + (v - mean) ** 2, 0) / lambda.length;
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(variance / (1 / (4 * (2 * alpha + 1))) - 1)).toBeLessThan(0.04);
    });
  }

  it('pairs almost every sample of a large batch with another', () => {
    const { partner } = drawMixup(1000, { seed: 2, step: 1, alpha: 1 });
    // A random permutation keeps about one element in place.
    expect(partner.filter((p, b) => p === b).length).toBeLessThan(6);
  });
});

describeGpu('mixup on the GPU', (gpu) => {
  for (const shape of [[1, 5], [3, 1, 7, 9], [7, 333]]) {
    itGpu(`matches the CPU reference ([${shape.join(', ')}])`, async () => {
      const ctx = gpu();
      const xs = randomArray(shape.reduce((a, b) => a * b), shape[0] + 1);
      const x = fromData(ctx, xs, shape, 'x');
      const options = { seed: 2 ** 33 + 1, step: 6, alpha: 0.3 };
      const { output, draw } = mixup(ctx, x, options);
      expect(draw).toEqual(drawMixup(shape[0], options));
      expectClose(await toData(ctx, output), mixupReference(xs, shape[0], options), mixupOp.tolerance.atol, mixupOp.tolerance.rtol, 'y');
      free(ctx, x);
      free(ctx, output);
    });
  }
});
