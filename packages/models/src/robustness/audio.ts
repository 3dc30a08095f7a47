/**
 * Audio corruptions for the robustness curves, on waveforms (before the front end), seeded and
 * deterministic: white Gaussian noise and babble (other clips mixed in) at an exact SNR. The
 * drawn noise is scaled by its own measured power, so 10 log10(P_signal / P_noise) equals the
 * target up to float32 rounding (not only in expectation). SNR is over the whole clip, silence
 * included, as the clip is fed to the model.
 */
import { mixSeed, mulberry32 } from '@duet/data';

/** The SNRs of the report's audio curves, in dB. */
export const SNR_LEVELS_DB = [30, 20, 10, 5, 0, -5, -10] as const;

/** Mean square of the samples (float64 sum). */
export function power(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length ? s / x.length : 0;
}

/** 10 log10(P(signal) / P(noise)) in dB. */
export function snrDb(signal: ArrayLike<number>, noise: ArrayLike<number>): number {
  return 10 * Math.log10(power(signal) / power(noise));
}

/** Standard normal draws (Box-Muller on a uniform generator). */
export function gaussian(random: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u = 1 - random(); // (0, 1]: log(u) is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * random();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

// signal: (T,), noise: (T,) -> (T,)
/**
 * signal + g * noise with g such that the SNR is exactly `snr` dB. A silent signal (or silent
 * noise) has no defined SNR: the signal comes back unchanged.
 */
export function mixAtSnr(signal: Float32Array, noise: ArrayLike<number>, snr: number): Float32Array {
  if (noise.length !== signal.length) throw new Error(`mixAtSnr: noise of ${noise.length} samples for a signal of ${signal.length}`);
  const ps = power(signal);
  const pn = power(noise);
  const out = Float32Array.from(signal);
  if (ps === 0 || pn === 0) return out;
  const gain = Math.sqrt(ps / (pn * 10 ** (snr / 10)));
  for (let i = 0; i < out.length; i++) out[i] += gain * noise[i];
  return out;
}

// signal: (T,) -> (T,)
/** White Gaussian noise at `snr` dB, drawn from `seed`. */
export function addWhiteNoise(signal: Float32Array, snr: number, seed: number): Float32Array {
  const draw = gaussian(mulberry32(seed));
  const noise = new Float64Array(signal.length);
  for (let i = 0; i < noise.length; i++) noise[i] = draw();
  return mixAtSnr(signal, noise, snr);
}

export interface BabbleOptions {
  /** Clips mixed into the babble (default 4, fewer when the pool is smaller). */
  readonly talkers?: number;
}

// signal: (T,), pool: clips of any length -> (T,)
/**
 * Babble at `snr` dB: `talkers` distinct non-silent clips from `pool`, chosen by `seed`, each
 * brought to unit RMS (equally loud talkers), started at a seeded offset and looped to the
 * signal's length, summed, then mixed in at the SNR. The caller leaves the clip itself (and, to
 * be strict, its speaker) out of the pool.
 */
export function addBabble(signal: Float32Array, pool: readonly Float32Array[], snr: number, seed: number, options: BabbleOptions = {}): Float32Array {
  const candidates = pool.map((c, i) => [c, i] as const).filter(([c]) => power(c) > 0);
  if (candidates.length === 0) throw new Error('babble needs at least one non-silent clip in the pool');
  const random = mulberry32(seed);
  const talkers = Math.min(options.talkers ?? 4, candidates.length);
  // Partial Fisher-Yates: the first `talkers` of a seeded shuffle.
  for (let i = 0; i < talkers; i++) {
    const j = i + Math.floor(random() * (candidates.length - i));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const babble = new Float64Array(signal.length);
  for (const [clip] of candidates.slice(0, talkers)) {
    const scale = 1 / Math.sqrt(power(clip));
    const offset = Math.floor(random() * clip.length);
    for (let t = 0; t < babble.length; t++) babble[t] += scale * clip[(offset + t) % clip.length];
  }
  return mixAtSnr(signal, babble, snr);
}

export type AudioCorruption =
  | { readonly kind: 'clean' }
  | { readonly kind: 'white'; readonly snrDb: number }
  | { readonly kind: 'babble'; readonly snrDb: number; readonly talkers?: number }
  | { readonly kind: 'missing' };

/**
 * One corruption applied to every clip of a test set; clip i draws from mixSeed(seed, i), so a
 * clip's noise does not depend on which other clips are evaluated with it. Babble for clip i
 * comes from the other clips of the set. 'missing' gives null (the modality is absent).
 */
export function corruptClips(clips: readonly Float32Array[], corruption: AudioCorruption, seed: number): (Float32Array | null)[] {
  return clips.map((clip, i) => {
    switch (corruption.kind) {
      case 'clean': return Float32Array.from(clip);
      case 'missing': return null;
      case 'white': return addWhiteNoise(clip, corruption.snrDb, mixSeed(seed, i));
      case 'babble': return addBabble(clip, clips.filter((_, j) => j !== i), corruption.snrDb, mixSeed(seed, i), { talkers: corruption.talkers });
    }
  });
}
