/**
 * The front end in one call: clips (B, samples) -> log-mel (B, nMels, frames) on the GPU,
 * torchaudio's MelSpectrogram (+ AmplitudeToDB) with its defaults.
 */
import type { GpuContext } from '@duet/gpu';
import { free, type GpuArray } from '@duet/kernels';
import { amplitudeToDBConfig, frequencyBins, melSpectrogramConfig, type AmplitudeToDBConfig, type MelSpectrogramConfig } from './config';
import { emptyFilterWarning, melscaleFbanks, type MelFilterbank } from './mel_filterbank';
import { amplitudeToDB } from './ops/amplitude_to_db/index';
import { freeFilterbank, melScale, uploadFilterbank, type GpuFilterbank } from './ops/mel_scale/index';
import { createStftTables, freeStftTables, spectrogram, type StftStrategy, type StftTables } from './ops/spectrogram/index';

/** The mel filterbank a configuration uses (CPU, float64): its emptyFilters are what torchaudio warns about. */
export function melFilterbank(config: MelSpectrogramConfig): MelFilterbank {
  const fMax = config.fMax ?? Math.floor(config.sampleRate / 2);
  return melscaleFbanks(frequencyBins(config.nFft), config.fMin, fMax, config.nMels, config.sampleRate, config.norm, config.melScale);
}

/**
 * A configured front end that keeps its window, twiddle tables and filterbank on the GPU across
 * batches (the torchaudio transform object). dispose() returns them to the pool.
 */
export class MelSpectrogram {
  readonly config: MelSpectrogramConfig;
  readonly filterbank: MelFilterbank;
  private readonly tables: StftTables;
  private readonly fb: GpuFilterbank;

  /** `stftStrategy`: the default of stftStrategies unless given (chooseStftStrategy measures one). */
  constructor(private readonly ctx: GpuContext, options: Partial<MelSpectrogramConfig> = {}, stftStrategy?: StftStrategy) {
    this.config = melSpectrogramConfig(options);
    this.filterbank = melFilterbank(this.config);
    this.tables = createStftTables(ctx, this.config, stftStrategy);
    this.fb = uploadFilterbank(ctx, this.filterbank);
  }

  /** Indices of all-zero filters (torchaudio warns; packages do not print, callers may). */
  get emptyFilters(): readonly number[] {
    return this.filterbank.emptyFilters;
  }

  /** torchaudio's warning text, or null when every filter has weight. */
  get warning(): string | null {
    return emptyFilterWarning(this.filterbank);
  }

  /**
   * clips: (B, samples) -> (B, nMels, frames); with `db`, in decibels (AmplitudeToDB, whose
   * defaults are torchaudio's: 'power', no topDb).
   */
  forward(clips: GpuArray, db?: Partial<AmplitudeToDBConfig> | boolean): GpuArray {
    const spec = spectrogram(this.ctx, clips, this.config, this.tables); // (B, freq, frames)
    const mel = melScale(this.ctx, spec, this.fb); // (B, nMels, frames)
    free(this.ctx, spec);
    if (!db) return mel;
    const out = amplitudeToDB(this.ctx, mel, amplitudeToDBConfig(db === true ? {} : db));
    free(this.ctx, mel);
    return out;
  }

  dispose(): void {
    freeStftTables(this.ctx, this.tables);
    freeFilterbank(this.ctx, this.fb);
  }
}

/** clips: (B, samples) -> (B, nMels, frames), optionally in dB. One-shot form of MelSpectrogram. */
export function melSpectrogram(ctx: GpuContext, clips: GpuArray, config: Partial<MelSpectrogramConfig> = {}, db?: Partial<AmplitudeToDBConfig> | boolean): GpuArray {
  const transform = new MelSpectrogram(ctx, config);
  try {
    return transform.forward(clips, db);
  } finally {
    transform.dispose();
  }
}
