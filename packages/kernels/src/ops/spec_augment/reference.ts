/**
 * CPU reference of spec_augment: the same Philox draws as the WGSL (bit for bit, through the
 * dropout op's philox4x32), so it masks exactly the same cells; the mean fill is float64.
 */
import { philox4x32 } from '../dropout/reference';
import { specAugmentParams, type SpecAugmentOptions, type SpecAugmentParams } from './index';

const TAG = 0x53504543;

/** A mask over rows (freq) or columns (time) [start, end). */
export interface Mask {
  readonly axis: 'freq' | 'time';
  readonly start: number;
  readonly end: number;
}

/** The masks of sample b: freqMasks frequency masks, then timeMasks time masks. */
export function drawMasks(p: SpecAugmentParams, b: number): Mask[] {
  return Array.from({ length: p.freqMasks + p.timeMasks }, (_, k) => {
    const r = philox4x32([k, p.step, b, TAG], [p.seedLo, p.seedHi]);
    const isFreq = k < p.freqMasks;
    const size = isFreq ? p.freq : p.time;
    const width = r[0] % ((isFreq ? p.maxFreqWidth : p.maxTimeWidth) + 1);
    const start = r[1] % (size - width + 1);
    return { axis: isFreq ? 'freq' : 'time', start, end: start + width };
  });
}

/** x: (B, F, T) row-major -> (B, F, T). */
export function specAugmentReference(x: ArrayLike<number>, batch: number, freq: number, time: number, options: SpecAugmentOptions): Float64Array {
  const p = specAugmentParams(batch, freq, time, options);
  const n = freq * time;
  const y = Float64Array.from(x as ArrayLike<number>);
  for (let b = 0; b < batch; b++) {
    let fill = p.fillValue;
    if (p.fillMean === 1) {
      fill = 0;
      for (let e = 0; e < n; e++) fill += x[b * n + e];
      fill /= n;
    }
    for (const { axis, start, end } of drawMasks(p, b)) {
      for (let i = start; i < end; i++) {
        if (axis === 'freq') y.fill(fill, b * n + i * time, b * n + (i + 1) * time);
        else for (let f = 0; f < freq; f++) y[b * n + f * time + i] = fill;
      }
    }
  }
  return y;
}
