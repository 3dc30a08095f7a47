/**
 * Windowed-sinc resampling kernel (built on the CPU for both paths) and the CPU reference of
 * the resampling itself, in float64: torchaudio.functional.resample with sinc_interp_hann.
 */

export interface ResampleOptions {
  /** Zero crossings of the sinc kept on each side: sharper filter, more taps. */
  readonly lowpassFilterWidth?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency. */
  readonly rolloff?: number;
}

export interface SincKernel {
  /** origFreq / gcd and newFreq / gcd. */
  readonly origFreq: number;
  readonly newFreq: number;
  /** Input samples each side of the window: taps = 2 * width + origFreq. */
  readonly width: number;
  readonly taps: number;
  /** (newFreq, taps): one filter per output phase. */
  readonly weights: Float64Array;
  /** (newFreq, 2): first and one-past-last nonzero tap of each phase. */
  readonly ranges: Uint32Array;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function sincResampleKernel(origFreq: number, newFreq: number, options: ResampleOptions = {}): SincKernel {
  const lowpassFilterWidth = options.lowpassFilterWidth ?? 6;
  const rolloff = options.rolloff ?? 0.99;
  if (!Number.isInteger(origFreq) || !Number.isInteger(newFreq) || origFreq <= 0 || newFreq <= 0) {
    throw new Error(`resample: frequencies must be positive integers (got ${origFreq} and ${newFreq})`);
  }
  if (!(lowpassFilterWidth > 0)) throw new Error('resample: lowpassFilterWidth must be positive');
  const g = gcd(origFreq, newFreq);
  const orig = origFreq / g;
  const next = newFreq / g;
  // Low-pass at the lower of the two Nyquist rates, a little below it (anti-aliasing both ways).
  const baseFreq = Math.min(orig, next) * rolloff;
  const width = Math.ceil((lowpassFilterWidth * orig) / baseFreq);
  const taps = 2 * width + orig;
  const weights = new Float64Array(next * taps);
  const scale = baseFreq / orig;
  for (let phase = 0; phase < next; phase++) {
    for (let m = 0; m < taps; m++) {
      // Time of input tap m relative to output phase, in units of the filter's zero crossings.
      const t = (-phase / next + (m - width) / orig) * baseFreq;
      // torchaudio clamps t to ±lowpassFilterWidth, where the window is cos(±π/2)^2: zero, up to
      // rounding (~1e-33). Exact zeros let the GPU loop skip those taps.
      if (Math.abs(t) >= lowpassFilterWidth) continue;
      const window = Math.cos((t * Math.PI) / lowpassFilterWidth / 2) ** 2;
      const angle = t * Math.PI;
      weights[phase * taps + m] = (angle === 0 ? 1 : Math.sin(angle) / angle) * window * scale;
    }
  }
  const ranges = new Uint32Array(2 * next);
  for (let phase = 0; phase < next; phase++) {
    let lo = taps;
    let hi = 0;
    for (let m = 0; m < taps; m++) {
      if (weights[phase * taps + m] !== 0) {
        lo = Math.min(lo, m);
        hi = m + 1;
      }
    }
    ranges.set([Math.min(lo, hi), hi], 2 * phase);
  }
  return { origFreq: orig, newFreq: next, width, taps, weights, ranges };
}

/** Output length of a clip of `samples` (torchaudio: ceil(new * samples / orig), reduced rates). */
export function resampledLength(samples: number, kernel: Pick<SincKernel, 'origFreq' | 'newFreq'>): number {
  return Math.ceil((kernel.newFreq * samples) / kernel.origFreq);
}

/** x: (B, samples) -> (B, ceil(samples * newFreq / origFreq)). */
export function resampleReference(x: ArrayLike<number>, batch: number, origFreq: number, newFreq: number, options: ResampleOptions = {}): Float64Array {
  const samples = x.length / batch;
  if (origFreq === newFreq) return Float64Array.from(x);
  const k = sincResampleKernel(origFreq, newFreq, options);
  const outLength = resampledLength(samples, k);
  const y = new Float64Array(batch * outLength);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < outLength; j++) {
      const phase = j % k.newFreq;
      const start = Math.floor(j / k.newFreq) * k.origFreq - k.width;
      let sum = 0;
      for (let m = 0; m < k.taps; m++) {
        const s = start + m;
        if (s >= 0 && s < samples) sum += x[b * samples + s] * k.weights[phase * k.taps + m];
      }
      y[b * outLength + j] = sum;
    }
  }
  return y;
}
