/**
 * CPU reference of wave_augment: the same Philox draws as the WGSL (bit for bit, through the
 * dropout op's philox4x32) and the same formulas; the parameters made from the draws are rounded
 * to float32 as the GPU rounds them, everything after that is float64.
 */
import { philox4x32 } from '../dropout/reference';
import { waveAugmentParams, type WaveAugmentOptions, type WaveAugmentParams } from './index';

const TAG_PARAMS = 0x57415650;
const TAG_NOISE = 0x5741564e;
const f32 = Math.fround;

/** A draw's top 24 bits as a float in [0, 1). */
export function unit(r: number): number {
  return (r >>> 8) * 2 ** -24;
}

/** What wave_augment drew for clip b. */
export interface ClipDraw {
  readonly shift: number;
  readonly gain: number;
  readonly speed: number;
  /** null when the noise component is off for this clip. */
  readonly snr: number | null;
}

export function drawClip(p: WaveAugmentParams, b: number): ClipDraw {
  const key = [p.seedLo, p.seedHi];
  const draws = philox4x32([0, p.step, b, TAG_PARAMS], key);
  const gates = philox4x32([1, p.step, b, TAG_PARAMS], key);
  const open = (i: number, gate: number) => gates[i] >>> 8 < gate;
  return {
    shift: open(0, p.shiftGate) ? (draws[0] % (2 * p.maxShift + 1)) - p.maxShift : 0,
    gain: open(1, p.gainGate) ? 10 ** (f32(f32(p.gainLo) + f32(f32(p.gainSpan) * unit(draws[1]))) / 20) : 1,
    snr: open(2, p.noiseGate) ? f32(f32(p.snrLo) + f32(f32(p.snrSpan) * unit(draws[2]))) : null,
    speed: open(3, p.speedGate) ? f32(f32(p.speedLo) + f32(f32(p.speedSpan) * unit(draws[3]))) : 1,
  };
}

/** The augmented clip before noise: c[i] = gain * s[i - shift] with s = x resampled by speed. */
export function cleanReference(x: ArrayLike<number>, clip: ClipDraw, circular: boolean): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let j = i - clip.shift;
    if (circular) j = ((j % n) + n) % n;
    else if (j < 0 || j >= n) continue;
    if (clip.speed === 1) {
      out[i] = clip.gain * x[j];
      continue;
    }
    const pos = f32(j * clip.speed);
    const k = Math.floor(pos);
    if (k >= n) continue;
    const t = pos - k;
    out[i] = clip.gain * (x[k] * (1 - t) + (k + 1 < n ? x[k + 1] : 0) * t);
  }
  return out;
}

/** Standard normals n[i] of clip b (Box-Muller, four from each Philox call). */
export function noiseReference(p: WaveAugmentParams, b: number): Float64Array {
  const out = new Float64Array(p.samples);
  for (let q = 0; q * 4 < p.samples; q++) {
    const r = philox4x32([q, p.step, b, TAG_NOISE], [p.seedLo, p.seedHi]);
    for (let h = 0; h < 2; h++) {
      const u1 = ((r[2 * h] >>> 8) + 1) * 2 ** -24;
      const angle = 2 * Math.PI * (unit(r[2 * h + 1]) - 0.5);
      const radius = Math.sqrt(-2 * Math.log(u1));
      const i = q * 4 + 2 * h;
      if (i < p.samples) out[i] = radius * Math.cos(angle);
      if (i + 1 < p.samples) out[i + 1] = radius * Math.sin(angle);
    }
  }
  return out;
}

/** x: (B, N) row-major -> (B, N), as the GPU computes it. */
export function waveAugmentReference(x: ArrayLike<number>, batch: number, samples: number, options: WaveAugmentOptions): Float64Array {
  const p = waveAugmentParams(batch, samples, options);
  const y = new Float64Array(batch * samples);
  for (let b = 0; b < batch; b++) {
    const clip = drawClip(p, b);
    const row = Array.prototype.slice.call(x, b * samples, (b + 1) * samples) as number[];
    const clean = cleanReference(row, clip, p.circular === 1);
    y.set(clean, b * samples);
    if (clip.snr === null) continue;
    const rms = Math.sqrt(clean.reduce((s, v) => s + v * v, 0) / samples);
    const sigma = rms * 10 ** (-clip.snr / 20);
    const noise = noiseReference(p, b);
    for (let i = 0; i < samples; i++) y[b * samples + i] += sigma * noise[i];
  }
  return y;
}
