import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { bandNormalize, bandNormalizeOp, MAX_BANDS, MAX_FRAMES } from './index';
import { bandNormalizeReference } from './reference';

/** Log-mel-like samples (B, F, T): random dB values, the last `padFrames[b]` frames of sample b clamped to its floor. */
function clampedSpectrograms(batch: number, freq: number, time: number, padFrames: number[], seed: number): Float32Array {
  const x = randomArray(batch * freq * time, seed, -60, 0);
  for (let b = 0; b < batch; b++) {
    const floor = -80 - b; // below every random value
    for (let f = 0; f < freq; f++) for (let t = time - padFrames[b]; t < time; t++) x[(b * freq + f) * time + t] = floor;
  }
  return x;
}

describe('band_normalize reference', () => {
  it('removes a constant per band (a microphone colouring) and a gain in dB, and zeroes the padding', () => {
    const [freq, time, pad] = [6, 20, 7];
    const x = clampedSpectrograms(1, freq, time, [pad], 1);
    const coloured = Float32Array.from(x, (v, i) => (i % time < time - pad ? v + 3 * Math.floor(i / time) - 10 : v));
    const y = bandNormalizeReference(x, 1, freq, time);
    const yColoured = bandNormalizeReference(coloured, 1, freq, time);
    for (let i = 0; i < y.length; i++) expect(yColoured[i]).toBeCloseTo(y[i], 5);
    for (let f = 0; f < freq; f++) {
      const row = y.subarray(f * time, (f + 1) * time);
      expect([...row.subarray(time - pad)]).toEqual(new Array(pad).fill(0));
      expect(row.subarray(0, time - pad).reduce((s, v) => s + v, 0)).toBeCloseTo(0, 10);
    }
    const active = [...y].filter((_, i) => i % time < time - pad);
    expect(active.reduce((s, v) => s + v * v, 0) / active.length).toBeCloseTo(1, 4);
  });

  it('turns a sample whose values are all equal into zeros', () => {
    expect([...bandNormalizeReference(new Float32Array(12).fill(-80), 1, 3, 4)]).toEqual(new Array(12).fill(0));
  });
});

describeGpu('band_normalize on the GPU', (gpu) => {
  const cases: [number, number, number, number[]][] = [
    [1, 1, 1, [0]],
    [3, 7, 13, [0, 5, 13]], // the third sample is all padding
    [2, 40, 101, [60, 0]],
    [1, 5, 517, [200]], // more frames than invocations
    [2, 300, 3, [1, 2]], // more bands than invocations
  ];
  for (const [batch, freq, time, padFrames] of cases) {
    itGpu(`matches the CPU reference (B = ${batch}, F = ${freq}, T = ${time}, padding ${padFrames.join('/')} frames)`, async () => {
      const ctx = gpu();
      const xs = clampedSpectrograms(batch, freq, time, padFrames, batch + freq + time);
      const x = fromData(ctx, xs, [batch, freq, time], 'x');
      const y = bandNormalize(ctx, x);
      expectClose(await toData(ctx, y), bandNormalizeReference(xs, batch, freq, time), bandNormalizeOp.tolerance.atol, bandNormalizeOp.tolerance.rtol, 'y');
      free(ctx, x);
      free(ctx, y);
    });
  }

  itGpu('refuses more bands or frames than the kernel holds, naming the limit', () => {
    const ctx = gpu();
    for (const [freq, time] of [[MAX_BANDS + 1, 2], [2, MAX_FRAMES + 1]]) {
      const x = fromData(ctx, new Float32Array(freq * time), [1, freq, time], 'x');
      expect(() => bandNormalize(ctx, x)).toThrow(freq > MAX_BANDS ? `at most ${MAX_BANDS}` : `at most ${MAX_FRAMES}`);
      free(ctx, x);
    }
  });
});
