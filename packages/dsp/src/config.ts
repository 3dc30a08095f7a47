/**
 * Configuration of the audio front end, with torchaudio's defaults: MelSpectrogram() and
 * AmplitudeToDB() as torchaudio 0.13 constructs them. Names are torchaudio's, in camelCase.
 */

/** How the signal is extended past its ends when `center` pads it (torch.nn.functional.pad modes). */
export type PadMode = 'reflect' | 'constant' | 'replicate' | 'circular';
export type MelScaleKind = 'htk' | 'slaney';
/** 'slaney' divides each triangle by its width in Hz (area normalisation); 'none' leaves peaks at 1. */
export type MelNorm = 'none' | 'slaney';

/** STFT settings (torchaudio.transforms.Spectrogram). */
export interface SpectrogramConfig {
  /** FFT size; the output has nFft / 2 + 1 frequency bins. Any size, not only powers of two. */
  readonly nFft: number;
  /** Hann window length, zero-padded centred to nFft. */
  readonly winLength: number;
  /** Samples between frame starts. */
  readonly hopLength: number;
  /** Zeros added to both ends before framing (torchaudio's `pad`). */
  readonly pad: number;
  /** |X|^power: 2 for power, 1 for magnitude. */
  readonly power: number;
  /** Pad nFft / 2 on both sides so frame t is centred on sample t * hopLength. */
  readonly center: boolean;
  readonly padMode: PadMode;
}

/** Mel filterbank settings (torchaudio.transforms.MelScale). */
export interface MelScaleConfig {
  /** The rate the filterbank assumes, whatever the clip's own rate. */
  readonly sampleRate: number;
  readonly nMels: number;
  readonly fMin: number;
  /** Upper edge in Hz; null means floor(sampleRate / 2) as in torchaudio. */
  readonly fMax: number | null;
  readonly norm: MelNorm;
  readonly melScale: MelScaleKind;
}

/** torchaudio.transforms.MelSpectrogram(). */
export interface MelSpectrogramConfig extends SpectrogramConfig, MelScaleConfig {}

/** torchaudio.transforms.AmplitudeToDB(). */
export interface AmplitudeToDBConfig {
  /** 'power' multiplies log10 by 10, 'magnitude' by 20. */
  readonly stype: 'power' | 'magnitude';
  /** Floor at (max of the clip) - topDb, per clip; null for none. */
  readonly topDb: number | null;
  /** Values are clamped to at least amin before the log. */
  readonly amin: number;
  /** Reference value: 0 dB. */
  readonly refValue: number;
}

/**
 * torchaudio's MelSpectrogram() defaults. winLength and hopLength are derived (nFft and
 * winLength / 2) by melSpectrogramConfig, as torchaudio does when they are None.
 */
export const MEL_SPECTROGRAM_DEFAULTS = Object.freeze({
  sampleRate: 16000,
  nFft: 400,
  fMin: 0,
  fMax: null,
  pad: 0,
  nMels: 128,
  power: 2,
  center: true,
  padMode: 'reflect',
  norm: 'none',
  melScale: 'htk',
} as const);

export const AMPLITUDE_TO_DB_DEFAULTS: AmplitudeToDBConfig = Object.freeze({ stype: 'power', topDb: null, amin: 1e-10, refValue: 1 });

/** Fills in torchaudio's defaults: winLength = nFft, hopLength = floor(winLength / 2). */
export function melSpectrogramConfig(options: Partial<MelSpectrogramConfig> = {}): MelSpectrogramConfig {
  const nFft = options.nFft ?? MEL_SPECTROGRAM_DEFAULTS.nFft;
  const winLength = options.winLength ?? nFft;
  const config: MelSpectrogramConfig = {
    ...MEL_SPECTROGRAM_DEFAULTS,
    ...stripUndefined(options),
    nFft,
    winLength,
    hopLength: options.hopLength ?? Math.floor(winLength / 2),
  };
  validateSpectrogram(config);
  const fMax = config.fMax ?? Math.floor(config.sampleRate / 2);
  if (!(config.sampleRate > 0)) throw new Error(`sampleRate must be positive (got ${config.sampleRate})`);
  if (!(Number.isInteger(config.nMels) && config.nMels > 0)) throw new Error(`nMels must be a positive integer (got ${config.nMels})`);
  if (config.fMin > fMax) throw new Error(`fMin ${config.fMin} must not exceed fMax ${fMax}`);
  return config;
}

export function amplitudeToDBConfig(options: Partial<AmplitudeToDBConfig> = {}): AmplitudeToDBConfig {
  const config = { ...AMPLITUDE_TO_DB_DEFAULTS, ...stripUndefined(options) };
  if (config.topDb !== null && config.topDb < 0) throw new Error(`topDb must be positive (got ${config.topDb})`);
  return config;
}

/** 10 for power, 20 for magnitude. */
export function dbMultiplier(config: AmplitudeToDBConfig): number {
  return config.stype === 'power' ? 10 : 20;
}

/** Frequency bins of a onesided STFT. */
export function frequencyBins(nFft: number): number {
  return Math.floor(nFft / 2) + 1;
}

/** Frames of a clip of `samples` (torch.stft: 1 + floor(samples / hop) when centred). */
export function frameCount(samples: number, config: SpectrogramConfig): number {
  const padded = samples + 2 * config.pad;
  if (config.center) return 1 + Math.floor(padded / config.hopLength);
  if (padded < config.nFft) throw new Error(`a clip of ${padded} samples is shorter than nFft ${config.nFft} (center=false)`);
  return 1 + Math.floor((padded - config.nFft) / config.hopLength);
}

export function validateSpectrogram(config: SpectrogramConfig): void {
  const positive = (name: string, v: number) => {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`${name} must be a positive integer (got ${v})`);
  };
  positive('nFft', config.nFft);
  positive('winLength', config.winLength);
  positive('hopLength', config.hopLength);
  if (config.winLength > config.nFft) throw new Error(`winLength ${config.winLength} exceeds nFft ${config.nFft}`);
  if (!(Number.isInteger(config.pad) && config.pad >= 0)) throw new Error(`pad must be a non-negative integer (got ${config.pad})`);
  if (!(config.power > 0)) throw new Error(`power must be positive (got ${config.power})`);
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
