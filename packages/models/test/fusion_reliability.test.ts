import { Rng } from '@duet/autograd';
import { describe, expect, it } from 'vitest';
import { argmax, softmaxRow } from '../src/fusion/calibration';
import { fitLateFusion, lateFuse, LATE_METHODS } from '../src/fusion/late';
import { clipHasSound, estimateSnrDb, fitAudioGate, gateValue, imageHasInk, MAX_SNR_DB, temperRows } from '../src/fusion/reliability';
import { addWhiteNoise } from '../src/robustness/audio';

/** 1 s at 8 kHz: a 300 Hz tone of RMS `speech` in 0.2-0.6 s over white background of RMS `floor`. */
function clip(speech: number, floor: number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: 8000 }, (_, i) => {
    const background = floor * Math.sqrt(3) * (2 * rng.next() - 1);
    return background + (i >= 1600 && i < 4800 ? speech * Math.SQRT2 * Math.sin((2 * Math.PI * 300 * i) / 8000) : 0);
  });
}

describe('what one input says about its own reliability', () => {
  it('finds no ink on a page of one shade, and ink on a digit', () => {
    expect(imageHasInk(new Float32Array(784))).toBe(false);
    expect(imageHasInk(new Float32Array(784).fill(0.7))).toBe(false);
    const digit = new Float32Array(784);
    digit.fill(1, 300, 320);
    expect(imageHasInk(digit)).toBe(true);
  });

  it('hears silence below -80 dBFS and sound above', () => {
    expect(clipHasSound(new Float32Array(8000))).toBe(false);
    expect(clipHasSound(new Float32Array(8000).fill(5e-5))).toBe(false);
    expect(clipHasSound(clip(0.1, 0.001))).toBe(true);
  });

  it('estimates the SNR of speech over its background from the frames alone', () => {
    // 20 log10(0.1 / 0.001) = 40 dB; the quietest tenth of noise frames reads a little under the
    // noise's RMS, so the estimate is a little high.
    expect(Math.abs(estimateSnrDb(clip(0.1, 0.001)) - 40)).toBeLessThan(1.5);
    expect(Math.abs(estimateSnrDb(clip(0.1, 0.01)) - 20)).toBeLessThan(1.5);
    expect(estimateSnrDb(clip(0.1, 0))).toBe(MAX_SNR_DB);
    // White noise at 0 dB over the whole clip (as the robustness curves add it): low single digits.
    const noisy = estimateSnrDb(addWhiteNoise(clip(0.1, 0.001), 0, 7));
    expect(noisy).toBeGreaterThan(0);
    expect(noisy).toBeLessThan(8);
  });
});

describe('the audio gate', () => {
  it('leaves rows alone at g = 1 and makes them uniform at g = 0', () => {
    const rows = [softmaxRow([3, 1, 0, 0, 0, 0, 0, 0, 0, 0])];
    expect(temperRows(rows, [1])[0]).toEqual(rows[0]);
    for (const p of temperRows(rows, [0])[0]) expect(p).toBeCloseTo(0.1, 12);
  });

  it('fits a gate that keeps clean audio and silences audio that is confidently wrong in noise', () => {
    const rng = new Rng(4);
    const labels: number[] = [];
    const probs: number[][] = [];
    const image: number[][] = [];
    const snrs: number[] = [];
    for (let i = 0; i < 600; i++) {
      const y = i % 10;
      const snr = [40, 20, 10, 5, 0, -5][i % 6];
      // Right and confident above 8 dB, confidently wrong (a random other class) below.
      const said = snr > 8 ? y : (y + 1 + Math.floor(rng.next() * 9)) % 10;
      labels.push(y);
      snrs.push(snr);
      probs.push(softmaxRow(Array.from({ length: 10 }, (_, c) => (c === said ? 6 : 0))));
      // An image model right on 9 rows in 10, never sure: the clean audio has something to add.
      const seen = i % 10 === 0 ? (y + 3) % 10 : y;
      image.push(softmaxRow(Array.from({ length: 10 }, (_, c) => (c === seen ? 2 : 0))));
    }
    const gate = fitAudioGate(probs, snrs, labels, image);
    expect(gate.centerDb).toBeGreaterThan(5);
    expect(gate.centerDb).toBeLessThan(10);
    expect(gateValue(gate, 20)).toBeGreaterThan(0.95);
    expect(gateValue(gate, 0)).toBeLessThan(0.05);
  });
});

describe('late fusion with per-row reliability', () => {
  const image = [softmaxRow([0, 0, 0, 5, 0, 0, 0, 0, 0, 0]), softmaxRow([0, 0, 0, 0, 0, 0, 0, 0, 4, 0])];
  const audio = [softmaxRow([0, 7, 0, 0, 0, 0, 0, 0, 0, 0]), softmaxRow([0, 0, 0, 0, 0, 0, 0, 0, 3, 0])];
  const fit = fitLateFusion(image, audio, [3, 8], { audioGate: { centerDb: 8, widthDb: 1 } });

  it('answers with the audio where the image is blank, and with the image where the clip is silent', () => {
    for (const method of LATE_METHODS) {
      const fused = lateFuse(method, fit, image, audio, { imagePresent: [false, true], audioPresent: [true, false] });
      expect(fused[0]).toEqual(lateFuse(method, fit, null, [audio[0]])[0]);
      expect(fused[1]).toEqual(lateFuse(method, fit, [image[1]], null)[0]);
    }
  });

  it('follows the image when the audio is confidently wrong at a low SNR, and fuses as before when it is clean', () => {
    // Row 0: the audio (7 for class 1) outvotes the image (5 for class 3) in the product, unless gated.
    expect(argmax(lateFuse('product', fit, image, audio)[0])).toBe(1);
    expect(argmax(lateFuse('product', fit, image, audio, { audioSnrDb: [0, 0] })[0])).toBe(3);
    const clean = lateFuse('product', fit, image, audio, { audioSnrDb: [MAX_SNR_DB, MAX_SNR_DB] });
    lateFuse('product', fit, image, audio).forEach((row, i) => row.forEach((p, c) => expect(clean[i][c]).toBeCloseTo(p, 9)));
  });
});
