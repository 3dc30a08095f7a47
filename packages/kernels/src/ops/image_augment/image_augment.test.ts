import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { imageAugment, imageAugmentOp, imageAugmentParams, type ImageAugmentOptions } from './index';
import { drawTransform, imageAugmentReference } from './reference';

/** A (B, 1, size, size) batch, each image one Gaussian bump at (cx + offset, cy). */
function bumps(batch: number, size: number, offset: number): Float32Array {
  const c = (size - 1) / 2;
  const out = new Float32Array(batch * size * size);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < size * size; i++) {
      const [row, col] = [Math.floor(i / size), i % size];
      out[b * size * size + i] = Math.exp(-((col - c - offset) ** 2 + (row - c) ** 2) / 2);
    }
  }
  return out;
}

/** Intensity-weighted centre of each image, relative to the image centre. */
function centroids(y: ArrayLike<number>, batch: number, size: number): [number, number][] {
  const c = (size - 1) / 2;
  return Array.from({ length: batch }, (_, b) => {
    let [m, mx, my] = [0, 0, 0];
    for (let i = 0; i < size * size; i++) {
      const v = y[b * size * size + i];
      m += v;
      mx += v * ((i % size) - c);
      my += v * (Math.floor(i / size) - c);
    }
    return [mx / m, my / m];
  });
}

describe('image_augment reference', () => {
  it('is an exact whole-pixel shift with zero fill when the angle is 0', () => {
    const x = randomArray(2 * 3 * 5 * 6, 1);
    const options = { seed: 9, step: 1, maxShift: 2, maxDegrees: 0 };
    const y = imageAugmentReference(x, [2, 3, 5, 6], options);
    const p = imageAugmentParams([2, 3, 5, 6], options);
    for (let b = 0; b < 2; b++) {
      const { dx, dy } = drawTransform(p, b);
      for (let i = 0; i < 90; i++) {
        const [c, row, col] = [Math.floor(i / 30), Math.floor(i / 6) % 5, i % 6];
        const [sr, sc] = [row - dy, col - dx];
        const expected = sr < 0 || sc < 0 || sr >= 5 || sc >= 6 ? 0 : x[b * 90 + c * 30 + sr * 6 + sc];
        expect(y[b * 90 + i]).toBe(expected);
      }
    }
  });

  it('turns a point about the centre by the drawn angle (clockwise on screen, y down)', () => {
    const size = 31;
    const options = { seed: 4, step: 2, maxShift: 0, maxDegrees: 30 };
    const p = imageAugmentParams([6, 1, size, size], options);
    const y = imageAugmentReference(bumps(6, size, 8), [6, 1, size, size], options);
    centroids(y, 6, size).forEach(([mx, my], b) => {
      const { angle } = drawTransform(p, b);
      expect(mx).toBeCloseTo(8 * Math.cos(angle), 1);
      expect(my).toBeCloseTo(8 * Math.sin(angle), 1);
    });
  });

  it('draws shifts and angles in range, all shifts occurring, and new ones for a new step', () => {
    const p = imageAugmentParams([400, 1, 28, 28], { seed: 1, step: 0, maxShift: 3, maxDegrees: 15 });
    const shifts = new Set<number>();
    for (let b = 0; b < 400; b++) {
      const { dx, dy, angle } = drawTransform(p, b);
      shifts.add(dx).add(dy);
      expect(Math.abs(angle)).toBeLessThanOrEqual((15 * Math.PI) / 180 + 1e-6);
    }
    expect([...shifts].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const next = imageAugmentParams([1, 1, 28, 28], { seed: 1, step: 1, maxShift: 3, maxDegrees: 15 });
    expect(drawTransform(next, 0)).not.toEqual(drawTransform(p, 0));
  });
});

describeGpu('image_augment on the GPU', (gpu) => {
  const cases: [number[], ImageAugmentOptions][] = [
    [[1, 1, 28, 28], { seed: 5, step: 3, maxShift: 2, maxDegrees: 10 }],
    [[3, 2, 7, 9], { seed: 2 ** 50 + 3, step: 0xffffffff, maxShift: 3, maxDegrees: 45 }],
    [[3, 1, 1, 1], { seed: 1, step: 1, maxShift: 1, maxDegrees: 20 }],
    [[2, 3, 17, 16], { seed: 7, step: 0, maxShift: 0, maxDegrees: 180 }],
  ];
  for (const [shape, options] of cases) {
    itGpu(`matches the CPU reference ([${shape.join(', ')}], ±${options.maxShift} px, ±${options.maxDegrees}°)`, async () => {
      const ctx = gpu();
      const xs = randomArray(shape.reduce((a, b) => a * b), shape[0] + shape[3], 0, 1);
      const x = fromData(ctx, xs, shape, 'x');
      const y = imageAugment(ctx, x, options);
      const { atol, rtol } = imageAugmentOp.tolerance;
      expectClose(await toData(ctx, y), imageAugmentReference(xs, shape, options), atol, rtol, 'y');
      free(ctx, x);
      free(ctx, y);
    });
  }

  itGpu('shifts exactly when there is no rotation', async () => {
    const ctx = gpu();
    const shape = [5, 1, 28, 28];
    const options = { seed: 12, step: 4, maxShift: 4, maxDegrees: 0 };
    const xs = randomArray(5 * 784, 2, 0, 1);
    const y = await toData(ctx, imageAugment(ctx, fromData(ctx, xs, shape, 'x'), options));
    expect([...y]).toEqual([...Float32Array.from(imageAugmentReference(xs, shape, options))]);
  });

  itGpu('repeats for the same (seed, step), changes with the step, and turns and shifts only within the ranges', async () => {
    const ctx = gpu();
    const [batch, size] = [24, 29];
    const x = fromData(ctx, bumps(batch, size, 6), [batch, 1, size, size], 'x');
    const turn = { seed: 3, step: 8, maxShift: 0, maxDegrees: 12 };
    const turned = await toData(ctx, imageAugment(ctx, x, turn));
    expect([...(await toData(ctx, imageAugment(ctx, x, turn)))]).toEqual([...turned]);
    expect(await toData(ctx, imageAugment(ctx, x, { ...turn, step: 9 }))).not.toEqual(turned);
    // The bump at (6, 0) from the centre lands at 6 (cos a, sin a), |a| <= 12 degrees.
    const angles = centroids(turned, batch, size).map(([mx, my]) => {
      expect(Math.hypot(mx, my)).toBeCloseTo(6, 1);
      return (Math.atan2(my, mx) * 180) / Math.PI;
    });
    for (const a of angles) expect(Math.abs(a)).toBeLessThan(12.5);
    expect(Math.max(...angles) - Math.min(...angles)).toBeGreaterThan(8);
    // Without rotation it lands at (6 + dx, dy), whole pixels in [-2, 2], all of them over 24 samples.
    const shifted = await toData(ctx, imageAugment(ctx, x, { ...turn, maxShift: 2, maxDegrees: 0 }));
    const seen = new Set<number>();
    for (const [mx, my] of centroids(shifted, batch, size)) {
      for (const d of [mx - 6, my]) {
        expect(Math.abs(d - Math.round(d))).toBeLessThan(1e-3);
        expect(Math.abs(d)).toBeLessThan(2.001);
        seen.add(Math.round(d));
      }
    }
    expect(seen.size).toBe(5);
  });
});
