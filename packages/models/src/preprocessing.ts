/**
 * The exact preprocessing of a model, as data: what model.json stores so a saved model can be
 * run without knowing how it was trained. Audio: pad/trim the clip, MelSpectrogram,
 * AmplitudeToDB, then either per-utterance normalisation (inside the features) or the
 * training set's mean and std (at the model's input). Images: pixels / 255, then the
 * dataset's mean and std.
 */
import type { AmplitudeToDBConfig, MelSpectrogramConfig } from '@duet/dsp';
import { amplitudeToDBConfig, frameCount, melSpectrogramConfig } from '@duet/dsp';

/** Mean and std subtracted from / dividing every input value (std 1: subtract only). */
export interface InputStats {
  readonly mean: number;
  readonly std: number;
}

export interface AudioPreprocessing {
  readonly kind: 'audio';
  /** Rate the recordings must have (Hz); the mel config's sampleRate may differ (the lab's 16 kHz assumption). */
  readonly sampleRate: number;
  /** Every clip is padded or cut to this many samples. */
  readonly samples: number;
  /**
   * What fills a short clip up to `samples`: 'zeros' (torch's pad, the lab's) or 'noise-floor'
   * (white noise at the clip's own background level, padClip). Absent in model.json written
   * before the option existed: zeros.
   */
  readonly padding?: Padding;
  /** torchaudio.transforms.MelSpectrogram, every field resolved. */
  readonly mel: MelSpectrogramConfig;
  /** torchaudio.transforms.AmplitudeToDB, or null for linear mel power. */
  readonly db: AmplitudeToDBConfig | null;
  /**
   * 'dataset': subtract stats.mean and divide by stats.std at the model's input (the lab
   * subtracts the training-set mean, std 1); 'utterance': each clip's features are scaled to
   * mean 0, std 1 on their own (robust to loudness), stats stay (0, 1); 'band': each mel band
   * loses its own mean over the clip's frames, then the clip is scaled to std 1, padding left out
   * and set to 0 (kernels' band_normalize: also removes a microphone's colouring), stats (0, 1).
   */
  readonly normalization: Normalization;
  /** Filled in from the training set before training ('dataset'), or (0, 1). */
  readonly stats: InputStats;
}

export type Padding = 'zeros' | 'noise-floor';
export type Normalization = 'dataset' | 'utterance' | 'band';

export interface ImagePreprocessing {
  readonly kind: 'image';
  readonly height: number;
  readonly width: number;
  /** Pixels are scaled to [0, 1] (/ 255), then (x - mean) / std. */
  readonly stats: InputStats;
}

export type Preprocessing = AudioPreprocessing | ImagePreprocessing;

/** An audio preprocessing with its configs resolved (torchaudio defaults for what is not given). */
export function audioPreprocessing(options: {
  sampleRate: number;
  samples: number;
  mel?: Partial<MelSpectrogramConfig>;
  db?: Partial<AmplitudeToDBConfig> | null;
  normalization: AudioPreprocessing['normalization'];
  stats?: InputStats;
  padding?: Padding;
}): AudioPreprocessing {
  if (!(Number.isInteger(options.samples) && options.samples > 0)) throw new Error(`samples must be a positive integer, got ${options.samples}`);
  return {
    kind: 'audio',
    sampleRate: options.sampleRate,
    samples: options.samples,
    // Written only when not zeros: model.json of zero-padded models stays as before.
    ...(options.padding && options.padding !== 'zeros' ? { padding: options.padding } : {}),
    mel: melSpectrogramConfig(options.mel ?? {}),
    db: options.db === null ? null : amplitudeToDBConfig(options.db ?? {}),
    normalization: options.normalization,
    stats: options.stats ?? { mean: 0, std: 1 },
  };
}

/** The model's input shape for one example (C, H, W): (1, nMels, frames) or (1, height, width). */
export function inputShape(pre: Preprocessing): [number, number, number] {
  if (pre.kind === 'image') return [1, pre.height, pre.width];
  return [1, pre.mel.nMels, frameCount(pre.samples, pre.mel)];
}

/** Copies `wave` into row `row` of `out` (B, samples), padded as `padding` says or cut to `samples`. */
export function padOrTrimInto(out: Float32Array, row: number, wave: Float32Array, samples: number, padding: Padding = 'zeros'): void {
  const dst = out.subarray(row * samples, (row + 1) * samples);
  dst.fill(0);
  dst.set(wave.subarray(0, samples));
  if (padding === 'noise-floor' && wave.length < samples) fillNoiseFloor(dst.subarray(wave.length), noiseFloorRms(wave));
}

/** Frames of the level estimates (noiseFloorRms, estimateSnrDb): 10 ms at 8 kHz. */
export const LEVEL_FRAME = 80;
/** The quietest tenth of a clip's frames is taken as its background. */
const FLOOR_QUANTILE = 0.1;

/**
 * RMS of a clip's background: the FLOOR_QUANTILE quantile of its frames' RMS. Why pad with it:
 * recordings end in their own room noise, and zeros after it make a step that says more about
 * the microphone than the digit; FSDD's speakers differ by 25 dB in that floor (nicolas -39
 * dBFS, yweweler -66), and the two noisiest are the two a model trained on the others hears
 * worst.
 */
export function noiseFloorRms(wave: Float32Array): number {
  const rms = sortedFrameRms(wave);
  if (rms.length === 0) return Math.sqrt(wave.reduce((s, v) => s + v * v, 0) / Math.max(1, wave.length));
  return rms[Math.floor(FLOOR_QUANTILE * (rms.length - 1))];
}

/** The RMS of each whole LEVEL_FRAME-sample frame of `wave`, in ascending order (float64). */
export function sortedFrameRms(wave: ArrayLike<number>): Float64Array {
  const rms = new Float64Array(Math.floor(wave.length / LEVEL_FRAME));
  for (let f = 0; f < rms.length; f++) {
    let sum = 0;
    for (let i = f * LEVEL_FRAME; i < (f + 1) * LEVEL_FRAME; i++) sum += wave[i] * wave[i];
    rms[f] = Math.sqrt(sum / LEVEL_FRAME);
  }
  return rms.sort();
}

/**
 * Fills `dst` with uniform white noise of the given RMS. The generator (xorshift32) starts
 * from the same state for every clip, so features stay a pure function of the recording.
 */
function fillNoiseFloor(dst: Float32Array, rms: number): void {
  if (!(rms > 0)) return;
  const amplitude = rms * Math.sqrt(3); // uniform on [-a, a] has RMS a / sqrt(3)
  let state = 0x9e3779b9;
  for (let i = 0; i < dst.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    dst[i] = amplitude * ((state >>> 0) / 2 ** 31 - 1);
  }
}

/** Pixels 0..255 (B, H, W) -> normalised float32 (B, 1, H, W) values, on the host. */
export function normalizePixels(pixels: Uint8Array, stats: InputStats): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] / 255 - stats.mean) / stats.std;
  return out;
}
