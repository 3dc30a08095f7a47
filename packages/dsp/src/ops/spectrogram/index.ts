/**
 * Batched spectrogram on the GPU: many equal-length clips in one dispatch, torch.stft
 * semantics (periodic Hann window, centre padding by padMode, onesided), |X|^power.
 * A direct DFT against exact cos/sin tables: any nFft (400 included), exact enough for the
 * torchaudio parity the front end promises; an FFT would only pay at much larger nFft.
 */
import { type GpuContext } from '@duet/gpu';
import { empty, type GpuArray, type OpDef } from '@duet/kernels';
import source from '@duet/shaders/dsp/stft.wgsl';
import { frameCount, frequencyBins, validateSpectrogram, type PadMode, type SpectrogramConfig } from '../../config';
import { hannWindow, padWindow } from '../../window';

const WG = 64;
const PAD_MODES: Record<PadMode, number> = { reflect: 0, constant: 1, replicate: 2, circular: 3 };

/** Window and twiddle tables of one configuration, uploaded once and reused across calls. */
export interface StftTables {
  readonly nFft: number;
  readonly window: GPUBuffer;
  readonly cosTable: GPUBuffer;
  readonly sinTable: GPUBuffer;
}

export function createStftTables(ctx: GpuContext, config: Pick<SpectrogramConfig, 'nFft' | 'winLength'>): StftTables {
  const { nFft } = config;
  const cos = new Float32Array(nFft);
  const sin = new Float32Array(nFft);
  for (let m = 0; m < nFft; m++) {
    cos[m] = Math.cos((2 * Math.PI * m) / nFft);
    sin[m] = Math.sin((2 * Math.PI * m) / nFft);
  }
  return {
    nFft,
    window: ctx.upload(Float32Array.from(padWindow(hannWindow(config.winLength), nFft)), 'stft.window'),
    cosTable: ctx.upload(cos, 'stft.cos'),
    sinTable: ctx.upload(sin, 'stft.sin'),
  };
}

export function freeStftTables(ctx: GpuContext, tables: StftTables): void {
  for (const buffer of [tables.window, tables.cosTable, tables.sinTable]) ctx.release(buffer);
}

/** x: (B, samples) -> (B, nFft / 2 + 1, frames) with frames = 1 + floor(samples / hop) when centred. */
export function spectrogram(ctx: GpuContext, x: GpuArray, config: SpectrogramConfig, tables?: StftTables): GpuArray {
  validateSpectrogram(config);
  if (x.shape.length !== 2) throw new Error(`spectrogram: clips must be (B, samples), got [${x.shape.join(', ')}]`);
  const [batch, samples] = x.shape;
  const centerPad = config.center ? Math.floor(config.nFft / 2) : 0;
  const padded = samples + 2 * config.pad;
  if (config.center && config.padMode === 'reflect' && centerPad >= padded) {
    // torch.stft refuses this too: reflection needs more samples than the padding.
    throw new Error(`spectrogram: reflect padding of ${centerPad} needs clips longer than ${centerPad} samples (got ${padded})`);
  }
  if (config.center && padded === 0) throw new Error('spectrogram: empty clips');
  const frames = frameCount(samples, config);
  const nFreqs = frequencyBins(config.nFft);
  const own = tables ?? createStftTables(ctx, config);
  if (own.nFft !== config.nFft) throw new Error(`spectrogram: tables for nFft ${own.nFft} used with nFft ${config.nFft}`);
  const spec = empty(ctx, [batch, nFreqs, frames], 'spectrogram');
  const kernel = ctx.kernel({ name: 'dsp/stft', source, overrides: { WG, N_FFT: config.nFft } });
  ctx.dispatch(
    kernel,
    { x: x.buffer, window: own.window, cosTable: own.cosTable, sinTable: own.sinTable, spec: spec.buffer },
    { samples, frames, nFreqs, hopLength: config.hopLength, pad: config.pad, centerPad, padMode: PAD_MODES[config.padMode], power: config.power },
    [frames, batch, 1],
  );
  if (!tables) freeStftTables(ctx, own);
  return spec;
}

export const spectrogramOp: OpDef = {
  name: 'spectrogram',
  shaders: ['dsp/stft.wgsl'],
  differentiable: 'features are computed once from fixed audio before training; no gradient flows into the waveform',
  // Float32 sums over nFft terms against a float64 reference: relative to the clip's largest bin.
  tolerance: { atol: 1e-4, rtol: 1e-4 },
};
