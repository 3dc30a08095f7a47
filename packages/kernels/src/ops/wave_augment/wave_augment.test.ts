import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { waveAugment, waveAugmentOp, waveAugmentParams, type WaveAugmentOptions } from './index';
import { drawClip, noiseReference, waveAugmentReference } from './reference';

const ALL: WaveAugmentOptions = {
  seed: 11,
  step: 3,
  shift: { maxShift: 40, mode: 'zero' },
  gain: { db: 6 },
  noise: { snrLo: 5, snrHi: 20 },
  speed: { factor: 0.1 },
};

/** A voiced-looking clip: two partials and a little random texture. */
function clips(batch: number, samples: number, seed: number): Float32Array {
  const texture = randomArray(batch * samples, seed, -0.05, 0.05);
  return texture.map((v, i) => {
    const [b, t] = [Math.floor(i / samples), i % samples];
    return v + 0.5 * Math.sin(0.05 * (b + 1) * t) + 0.2 * Math.sin(0.31 * t + b);
  });
}

function power(v: ArrayLike<number>, from = 0, to = v.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += v[i] * v[i];
  return s / (to - from);
}

describe('wave_augment reference', () => {
  it('draws the same clip parameters for the same (seed, step, clip) and new ones otherwise', () => {
    const p = waveAugmentParams(4, 100, ALL);
    expect(drawClip(p, 2)).toEqual(drawClip(waveAugmentParams(4, 100, ALL), 2));
    expect(drawClip(p, 2)).not.toEqual(drawClip(p, 3));
    expect(drawClip(p, 2)).not.toEqual(drawClip(waveAugmentParams(4, 100, { ...ALL, step: 4 }), 2));
    expect(drawClip(p, 2)).not.toEqual(drawClip(waveAugmentParams(4, 100, { ...ALL, seed: 12 }), 2));
  });

  it('keeps every drawn parameter inside its range, and switches components off', () => {
    const p = waveAugmentParams(200, 10, ALL);
    for (let b = 0; b < 200; b++) {
      const clip = drawClip(p, b);
      expect(Math.abs(clip.shift)).toBeLessThanOrEqual(40);
      expect(Math.abs(20 * Math.log10(clip.gain))).toBeLessThanOrEqual(6 + 1e-5);
      expect(clip.snr).toBeGreaterThanOrEqual(5);
      expect(clip.snr).toBeLessThanOrEqual(20);
      expect(Math.abs(clip.speed - 1)).toBeLessThanOrEqual(0.1 + 1e-6);
    }
    const off = waveAugmentParams(1, 10, { seed: 1, step: 0 });
    expect(drawClip(off, 0)).toEqual({ shift: 0, gain: 1, speed: 1, snr: null });
    const x = randomArray(10, 1);
    expect([...waveAugmentReference(x, 1, 10, { seed: 1, step: 0 })]).toEqual([...x]);
  });

  it('gives standard normal noise', () => {
    const n = noiseReference(waveAugmentParams(1, 40001, ALL), 0);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(power(n) - mean * mean - 1)).toBeLessThan(0.03);
  });

  it('circular shift is a roll and zero-fill shift is a roll with zeros', () => {
    const x = randomArray(9, 2);
    const options = { seed: 5, step: 1, shift: { maxShift: 4, mode: 'circular' as const } };
    const { shift } = drawClip(waveAugmentParams(1, 9, options), 0);
    expect(shift).not.toBe(0);
    const rolled = Array.from({ length: 9 }, (_, i) => x[(((i - shift) % 9) + 9) % 9]);
    expect([...waveAugmentReference(x, 1, 9, options)]).toEqual(rolled);
    const zeroed = waveAugmentReference(x, 1, 9, { ...options, shift: { maxShift: 4, mode: 'zero' } });
    expect([...zeroed]).toEqual(rolled.map((v, i) => (i - shift >= 0 && i - shift < 9 ? v : 0)));
  });
});

describeGpu('wave_augment on the GPU', (gpu) => {
  const cases: [string, number, number, WaveAugmentOptions][] = [
    ['everything, zero-fill shift', 3, 1001, ALL],
    ['everything, circular shift', 1, 257, { ...ALL, seed: 2 ** 40 + 7, step: 0xffffffff, shift: { maxShift: 300, mode: 'circular' } }],
    ['one sample per clip, circular', 3, 1, { ...ALL, shift: { maxShift: 5, mode: 'circular' } }],
    ['speed only', 2, 515, { seed: 4, step: 9, speed: { factor: 0.2 } }],
    ['noise only, half the clips', 5, 333, { seed: 4, step: 9, noise: { snrLo: 0, snrHi: 10, p: 0.5 } }],
  ];
  for (const [what, batch, samples, options] of cases) {
    itGpu(`matches the CPU reference (${what}, B = ${batch}, N = ${samples})`, async () => {
      const ctx = gpu();
      const xs = clips(batch, samples, batch + samples);
      const x = fromData(ctx, xs, [batch, samples], 'x');
      const y = waveAugment(ctx, x, options);
      expect(y.shape).toEqual([batch, samples]);
      const { atol, rtol } = waveAugmentOp.tolerance;
      expectClose(await toData(ctx, y), waveAugmentReference(xs, batch, samples, options), atol, rtol, 'y');
      free(ctx, x);
      free(ctx, y);
    });
  }

  itGpu('shifts and gates exactly like the reference (no float arithmetic on the samples)', async () => {
    const ctx = gpu();
    const options: WaveAugmentOptions = { seed: 8, step: 2, shift: { maxShift: 7, mode: 'zero', p: 0.5 } };
    const xs = randomArray(7 * 31, 3);
    const x = fromData(ctx, xs, [7, 31], 'x');
    const y = await toData(ctx, waveAugment(ctx, x, options));
    expect([...y]).toEqual([...Float32Array.from(waveAugmentReference(xs, 7, 31, options))]);
    // p = 0.5 over 7 clips: some stay put (the reference says which; here only that both happen).
    const moved = Array.from({ length: 7 }, (_, b) => y.slice(b * 31, b * 31 + 31).some((v, i) => v !== xs[b * 31 + i]));
    expect(moved).toContain(true);
    expect(moved).toContain(false);
  });

  itGpu('repeats for the same (seed, step) and changes with the step', async () => {
    const ctx = gpu();
    const xs = clips(2, 400, 5);
    const x = fromData(ctx, xs, [2, 400], 'x');
    const first = await toData(ctx, waveAugment(ctx, x, ALL));
    expect([...(await toData(ctx, waveAugment(ctx, x, ALL)))]).toEqual([...first]);
    const next = await toData(ctx, waveAugment(ctx, x, { ...ALL, step: ALL.step + 1 }));
    expect(next.filter((v, i) => v !== first[i]).length).toBeGreaterThan(700);
  });

  itGpu('adds noise at an SNR inside [snrLo, snrHi], measured against the noiseless output', async () => {
    const ctx = gpu();
    const [batch, samples] = [12, 4001];
    const xs = clips(batch, samples, 6);
    const x = fromData(ctx, xs, [batch, samples], 'x');
    const rest: WaveAugmentOptions = { seed: 21, step: 5, gain: { db: 10 }, speed: { factor: 0.15 }, shift: { maxShift: 500, mode: 'zero' } };
    const clean = await toData(ctx, waveAugment(ctx, x, rest));
    const noisy = await toData(ctx, waveAugment(ctx, x, { ...rest, noise: { snrLo: 3, snrHi: 18 } }));
    const snrs = Array.from({ length: batch }, (_, b) => {
      const [from, to] = [b * samples, (b + 1) * samples];
      const noise = noisy.slice(from, to).map((v, i) => v - clean[from + i]);
      return 10 * Math.log10(power(clean, from, to) / power(noise));
    });
    // The noise power of 4001 samples is within ~2.2% (0.1 dB) of its expectation per sigma.
    for (const snr of snrs) {
      expect(snr).toBeGreaterThan(3 - 0.4);
      expect(snr).toBeLessThan(18 + 0.4);
    }
    expect(Math.max(...snrs) - Math.min(...snrs)).toBeGreaterThan(4);
  });
});
