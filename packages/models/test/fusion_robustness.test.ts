import { describe, expect, it } from 'vitest';
import {
  addBabble, addImageNoise, addWhiteNoise, corruptClips, corruptImages, mixAtSnr, occlude, occlusionBand, OCCLUSION_FRACTIONS, power, robustnessConditions, SNR_LEVELS_DB, snrDb,
} from '../src/robustness/index';

/** A decaying two-tone "word" with silence around it, like a spoken digit clip. */
function clip(n: number, f: number, at = 0.2): Float32Array {
  return Float32Array.from({ length: n }, (_, t) => {
    const u = t / n;
    return u < at || u > at + 0.5 ? 0 : 0.3 * Math.sin(2 * Math.PI * f * t / 8000) * Math.exp(-3 * (u - at)) + 0.1 * Math.sin(2 * Math.PI * 3.1 * f * t / 8000);
  });
}

/** A 28x28 image with a mid-grey square of "ink". */
function digit(): Float32Array {
  return Float32Array.from({ length: 784 }, (_, i) => (Math.floor(i / 28) >= 6 && Math.floor(i / 28) < 22 && i % 28 >= 9 && i % 28 < 19 ? 0.5 : 0));
}

describe('audio corruptions', () => {
  const signal = clip(4001, 440);

  it('white noise lands on the target SNR within 0.1 dB at every level', () => {
    for (const level of SNR_LEVELS_DB) {
      const noisy = addWhiteNoise(signal, level, 3);
      const noise = noisy.map((v, i) => v - signal[i]);
      expect(Math.abs(snrDb(signal, noise) - level), `${level} dB`).toBeLessThan(0.1);
    }
  });

  it('white noise is seeded, zero-mean and flat (neighbour correlation near 0)', () => {
    const a = addWhiteNoise(signal, 0, 5);
    expect(addWhiteNoise(signal, 0, 5)).toEqual(a);
    expect(addWhiteNoise(signal, 0, 6)).not.toEqual(a);
    const n = a.map((v, i) => v - signal[i]);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    let lag = 0;
    for (let i = 1; i < n.length; i++) lag += n[i] * n[i - 1];
    expect(Math.abs(mean) / Math.sqrt(power(n))).toBeLessThan(0.05);
    expect(Math.abs(lag / (n.length - 1)) / power(n)).toBeLessThan(0.05);
  });

  it('babble mixes other clips at the target SNR, seeded', () => {
    const pool = [clip(3000, 300, 0.1), clip(5000, 520, 0.3), clip(4001, 610), clip(2000, 250), new Float32Array(100)];
    for (const level of SNR_LEVELS_DB) {
      const mixed = addBabble(signal, pool, level, 9, { talkers: 3 });
      expect(Math.abs(snrDb(signal, mixed.map((v, i) => v - signal[i])) - level), `${level} dB`).toBeLessThan(0.1);
    }
    expect(addBabble(signal, pool, 0, 9)).toEqual(addBabble(signal, pool, 0, 9));
    expect(addBabble(signal, pool, 0, 9)).not.toEqual(addBabble(signal, pool, 0, 10));
    // One talker from a pool of one clip: the babble is that clip, looped from a seeded offset.
    const single = addBabble(signal, [pool[3]], 0, 1, { talkers: 1 });
    const babble = single.map((v, i) => v - signal[i]);
    const matches = (o: number) => {
      const looped = babble.map((_, t) => pool[3][(o + t) % 2000]);
      const g = Math.sqrt(power(signal) / power(looped));
      return babble.every((v, t) => Math.abs(v - g * looped[t]) < 1e-5);
    };
    expect([...Array(2000).keys()].filter(matches)).toHaveLength(1);
    expect(() => addBabble(signal, [new Float32Array(10)], 0, 1)).toThrow(/non-silent/);
  });

  it('leaves silence alone, corrupts sets per clip, and drops a missing modality', () => {
    expect(mixAtSnr(new Float32Array(5), Float32Array.of(1, 2, 3, 4, 5), 0)).toEqual(new Float32Array(5));
    const clips = [clip(800, 400), clip(900, 500), clip(700, 350)];
    const white = corruptClips(clips, { kind: 'white', snrDb: 5 }, 2);
    // Clip 1's noise does not depend on the other clips in the set.
    expect(corruptClips(clips.slice(1), { kind: 'white', snrDb: 5 }, 2)[0]).not.toEqual(white[1]);
    expect(corruptClips([clips[0]], { kind: 'white', snrDb: 5 }, 2)[0]).toEqual(white[0]);
    const babble = corruptClips(clips, { kind: 'babble', snrDb: 0 }, 2);
    expect(Math.abs(snrDb(clips[2], babble[2]!.map((v, i) => v - clips[2][i])))).toBeLessThan(0.1);
    expect(corruptClips(clips, { kind: 'missing' }, 2)).toEqual([null, null, null]);
    expect(corruptClips(clips, { kind: 'clean' }, 2)).toEqual(clips);
  });
});

describe('image corruptions', () => {
  it('occlusion covers exactly 25, 50 and 75 % with a seeded band', () => {
    const image = new Float32Array(784).fill(1);
    for (const f of OCCLUSION_FRACTIONS) {
      const rects = [1, 2, 3, 4, 5, 6].map((s) => occlusionBand(28, 28, f, s));
      for (const rect of rects) {
        const out = occlude(image, 28, rect);
        expect(out.filter((v) => v === 0).length / 784).toBe(f);
        expect(rect.top + rect.height).toBeLessThanOrEqual(28);
        expect(rect.left + rect.width).toBeLessThanOrEqual(28);
      }
      expect(new Set(rects.map((r) => JSON.stringify(r))).size).toBeGreaterThan(1);
    }
    expect(occlude(image, 28, { top: 2, left: 3, height: 1, width: 2 }).findIndex((v) => v === 0)).toBe(2 * 28 + 3);
  });

  it('Gaussian noise has the asked deviation, is seeded and stays in [0, 1]', () => {
    const grey = new Float32Array(4000).fill(0.5);
    const noisy = addImageNoise(grey, 0.1, 4);
    const sd = Math.sqrt(noisy.reduce((s, v) => s + (v - 0.5) ** 2, 0) / noisy.length);
    expect(sd).toBeGreaterThan(0.095);
    expect(sd).toBeLessThan(0.105);
    expect(addImageNoise(grey, 0.1, 4)).toEqual(noisy);
    expect(addImageNoise(grey, 3, 4).every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('corrupts a batch per image, blanks, and drops a missing modality', () => {
    const batch = new Float32Array(3 * 784);
    for (let i = 0; i < 3; i++) batch.set(digit(), i * 784);
    const occluded = corruptImages(batch, 3, 28, 28, { kind: 'occlusion', fraction: 0.5 }, 1)!;
    const lost = [0, 1, 2].map((i) => occluded.subarray(i * 784, (i + 1) * 784).filter((v) => v === 0).length);
    expect(lost.every((n) => n >= 392)).toBe(true);
    expect(corruptImages(batch, 3, 28, 28, { kind: 'blank' }, 1)!.every((v) => v === 0)).toBe(true);
    expect(corruptImages(batch, 3, 28, 28, { kind: 'missing' }, 1)).toBeNull();
    expect(corruptImages(batch, 3, 28, 28, { kind: 'clean' }, 1)).toEqual(batch);
    expect(() => corruptImages(batch, 2, 28, 28, { kind: 'clean' }, 1)).toThrow(/2352 values for 2 images/);
  });

  it('lists the report conditions with unique ids', () => {
    const conditions = robustnessConditions();
    expect(new Set(conditions.map((c) => c.id)).size).toBe(conditions.length);
    expect(conditions.filter((c) => c.curve === 'audio white noise').map((c) => c.x)).toEqual([30, 20, 10, 5, 0, -5, -10]);
    expect(conditions.map((c) => c.id)).toEqual(expect.arrayContaining(['audio-babble--10db', 'image-occlusion-75', 'image-blank', 'audio-missing']));
  });
});
