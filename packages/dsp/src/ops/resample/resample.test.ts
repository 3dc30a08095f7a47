import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '@duet/kernels';
import { golden } from '../../../test/golden';
import { resample, resampleOp } from './index';
import { resampleReference, sincResampleKernel } from './reference';

const RATES = golden.resample.map((c) => [`${c.origFreq} -> ${c.newFreq}`, c] as const);

describe('resample reference', () => {
  it.each(RATES)('matches torchaudio in float64: %s', (_, c) => {
    const y = resampleReference(c.signal, 1, c.origFreq, c.newFreq);
    expect(y.length).toBe(c.values64.length);
    expectClose(y, c.values64, 1e-9, 1e-8, 'torchaudio resample (float64)');
  });

  it('has torchaudio’s filter geometry (44100 -> 8000: 441/80 after the gcd, width 34)', () => {
    const k = sincResampleKernel(44100, 8000);
    expect([k.origFreq, k.newFreq, k.width, k.taps]).toEqual([441, 80, 34, 509]);
    // Each phase's nonzero taps: about 2 * 6 zero crossings of 441/80 input samples each.
    for (let phase = 0; phase < k.newFreq; phase++) {
      const [lo, hi] = [k.ranges[2 * phase], k.ranges[2 * phase + 1]];
      expect(hi - lo).toBeGreaterThan(60);
      expect(hi - lo).toBeLessThan(70);
      for (let m = 0; m < k.taps; m++) if (m < lo || m >= hi) expect(k.weights[phase * k.taps + m]).toBe(0);
    }
  });

  it('keeps a tone well below both Nyquist rates (8000 -> 16000 -> 8000)', () => {
    const x = Array.from({ length: 800 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 8000));
    const back = resampleReference(resampleReference(x, 1, 8000, 16000), 1, 16000, 8000);
    // Away from the edges (the filter sees zeros past them).
    for (let i = 100; i < 700; i++) expect(Math.abs(back[i] - x[i])).toBeLessThan(2e-3);
  });
});

describeGpu('resample on the GPU', (gpu) => {
  // torchaudio's own float32 filter is off by up to ~3e-6 (44100 -> 8000) from its float64 one.
  itGpu('matches torchaudio (float32) on the golden signals', async () => {
    const ctx = gpu();
    for (const [name, c] of RATES) {
      const x = fromData(ctx, Float32Array.from(c.signal), [1, c.signal.length], 'x');
      const y = resample(ctx, x, c.origFreq, c.newFreq);
      expectClose(await toData(ctx, y), c.values, 5e-6, 1e-5, name);
      free(ctx, x);
      free(ctx, y);
    }
  });

  const cases: [number, number, number, number][] = [
    [48000, 16000, 2, 301],
    [44100, 8000, 3, 257],
    [8000, 16000, 1, 99],
    [16000, 22050, 2, 37],
  ];
  for (const [orig, next, batch, samples] of cases) {
    itGpu(`matches the reference, batched: ${orig} -> ${next}, (${batch}, ${samples})`, async () => {
      const ctx = gpu();
      const data = randomArray(batch * samples, orig + samples);
      const x = fromData(ctx, data, [batch, samples], 'x');
      const y = resample(ctx, x, orig, next);
      const expected = resampleReference(data, batch, orig, next);
      expect(y.shape).toEqual([batch, expected.length / batch]);
      const { atol, rtol } = resampleOp.tolerance;
      expectClose(await toData(ctx, y), expected, atol, rtol, `${orig} -> ${next}`);
      free(ctx, x);
      free(ctx, y);
    });
  }

  itGpu('copies when the rates are equal', async () => {
    const ctx = gpu();
    const x = fromData(ctx, Float32Array.from([1, 2, 3]), [1, 3], 'x');
    const y = resample(ctx, x, 8000, 8000);
    expect(y.buffer).not.toBe(x.buffer);
    expect([...(await toData(ctx, y))]).toEqual([1, 2, 3]);
    free(ctx, x);
    free(ctx, y);
  });
});
