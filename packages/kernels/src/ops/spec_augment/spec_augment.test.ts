import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { specAugment, specAugmentOp, specAugmentParams, type SpecAugmentOptions } from './index';
import { drawMasks, specAugmentReference } from './reference';

const BASE: SpecAugmentOptions = { seed: 3, step: 7, freqMasks: 2, maxFreqWidth: 5, timeMasks: 2, maxTimeWidth: 9, fill: 0 };

describe('spec_augment reference', () => {
  it('draws masks inside the spectrogram and no wider than asked, every width from 0 to the maximum', () => {
    const p = specAugmentParams(300, 20, 31, BASE);
    const widths = { freq: new Set<number>(), time: new Set<number>() };
    for (let b = 0; b < 300; b++) {
      const masks = drawMasks(p, b);
      expect(masks.map((m) => m.axis)).toEqual(['freq', 'freq', 'time', 'time']);
      for (const { axis, start, end } of masks) {
        expect(start).toBeGreaterThanOrEqual(0);
        expect(end).toBeLessThanOrEqual(axis === 'freq' ? 20 : 31);
        widths[axis].add(end - start);
      }
    }
    expect([...widths.freq].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...widths.time].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('draws the same masks for the same (seed, step) and new ones otherwise', () => {
    const masks = (o: Partial<SpecAugmentOptions>) => Array.from({ length: 4 }, (_, b) => drawMasks(specAugmentParams(4, 20, 31, { ...BASE, ...o }), b));
    expect(masks({})).toEqual(masks({}));
    expect(masks({ step: 8 })).not.toEqual(masks({}));
    expect(masks({ seed: 4 })).not.toEqual(masks({}));
  });

  it('fills whole rows and columns with the sample mean', () => {
    const x = randomArray(2 * 6 * 5, 1);
    const options: SpecAugmentOptions = { ...BASE, maxFreqWidth: 6, maxTimeWidth: 5, fill: 'mean' };
    const y = specAugmentReference(x, 2, 6, 5, options);
    const mean = x.slice(30).reduce((s, v) => s + v, 0) / 30;
    let filled = 0;
    for (const { axis, start, end } of drawMasks(specAugmentParams(2, 6, 5, options), 1)) {
      for (let i = start; i < end; i++) {
        const cells = axis === 'freq' ? [0, 1, 2, 3, 4].map((t) => i * 5 + t) : [0, 1, 2, 3, 4, 5].map((f) => f * 5 + i);
        for (const c of cells) expect(y[30 + c]).toBeCloseTo(mean, 12);
        filled += cells.length;
      }
    }
    expect(filled).toBeGreaterThan(0);
  });
});

describeGpu('spec_augment on the GPU', (gpu) => {
  const cases: [number, number, number, SpecAugmentOptions][] = [
    [1, 1, 1, { ...BASE, maxFreqWidth: 1, maxTimeWidth: 1 }],
    [3, 17, 23, BASE],
    [2, 40, 101, { ...BASE, seed: 2 ** 45 + 1, step: 0xffffffff, freqMasks: 3, maxFreqWidth: 40, timeMasks: 5, maxTimeWidth: 30, fill: 'mean' }],
    [1, 5, 300, { ...BASE, freqMasks: 30, maxFreqWidth: 1, timeMasks: 34, maxTimeWidth: 3, fill: -2.5 }],
    [3, 9, 13, { ...BASE, freqMasks: 0, timeMasks: 0 }],
  ];
  for (const [batch, freq, time, options] of cases) {
    itGpu(`matches the CPU reference (B = ${batch}, F = ${freq}, T = ${time}, fill ${options.fill})`, async () => {
      const ctx = gpu();
      const xs = randomArray(batch * freq * time, batch + freq + time, -3, 1);
      const x = fromData(ctx, xs, [batch, freq, time], 'x');
      const y = specAugment(ctx, x, options);
      const expected = specAugmentReference(xs, batch, freq, time, options);
      const actual = await toData(ctx, y);
      if (options.fill === 'mean') expectClose(actual, expected, specAugmentOp.tolerance.atol, specAugmentOp.tolerance.rtol, 'y');
      else expect([...actual]).toEqual([...Float32Array.from(expected)]);
      free(ctx, x);
      free(ctx, y);
    });
  }

  itGpu('repeats for the same (seed, step), changes with the step, and masks no more than N * Fmax rows and M * Tmax columns', async () => {
    const ctx = gpu();
    const [batch, freq, time] = [16, 24, 50];
    const options: SpecAugmentOptions = { ...BASE, freqMasks: 2, maxFreqWidth: 4, timeMasks: 3, maxTimeWidth: 6, fill: -100 };
    const x = fromData(ctx, randomArray(batch * freq * time, 9), [batch, freq, time], 'x');
    const first = await toData(ctx, specAugment(ctx, x, options));
    expect([...(await toData(ctx, specAugment(ctx, x, options)))]).toEqual([...first]);
    const next = await toData(ctx, specAugment(ctx, x, { ...options, step: options.step + 1 }));
    expect(next).not.toEqual(first);
    let rowsMasked = 0;
    for (let b = 0; b < batch; b++) {
      const at = (f: number, t: number) => first[(b * freq + f) * time + t];
      const rows = Array.from({ length: freq }, (_, f) => Array.from({ length: time }, (__, t) => at(f, t)).every((v) => v === -100));
      const columns = Array.from({ length: time }, (_, t) => Array.from({ length: freq }, (__, f) => at(f, t)).every((v) => v === -100));
      expect(rows.filter(Boolean).length).toBeLessThanOrEqual(2 * 4);
      expect(columns.filter(Boolean).length).toBeLessThanOrEqual(3 * 6);
      // Every filled cell lies in a masked row or column.
      for (let f = 0; f < freq; f++) for (let t = 0; t < time; t++) if (at(f, t) === -100) expect(rows[f] || columns[t]).toBe(true);
      rowsMasked += rows.filter(Boolean).length;
    }
    // Expected about 2 * 2 rows per sample (mean width 2), less overlaps.
    expect(rowsMasked / batch).toBeGreaterThan(2);
    expect(rowsMasked / batch).toBeLessThan(5);
  });
});
