/**
 * Batched spectrogram on the GPU: many equal-length clips in one dispatch, torch.stft
 * semantics (periodic Hann window, centre padding by padMode, onesided), |X|^power.
 * A direct DFT as a register-blocked matmul of frames with a windowed cos/sin basis: any nFft
 * (400 included), exact enough for the torchaudio parity the front end promises.
 */
import { GpuLimitError, type GpuContext } from '@duet/gpu';
import { empty, type GpuArray, type OpDef } from '@duet/kernels';
import source from '@duet/shaders/dsp/stft.wgsl';
import { frameCount, frequencyBins, validateSpectrogram, type PadMode, type SpectrogramConfig } from '../../config';
import { hannWindow, padWindow } from '../../window';

const WG = 32;
/** Frames per invocation (register block); MAX_FRAMES in stft.wgsl. */
const MAX_FRAMES = 8;
const PAD_MODES: Record<PadMode, number> = { reflect: 0, constant: 1, replicate: 2, circular: 3 };

/** The windowed DFT basis of one configuration, uploaded once and reused across calls. */
export interface StftTables {
  readonly nFft: number;
  readonly winLength: number;
  /** (nFft, nFreqs): w[n] cos(2πkn / nFft) and w[n] sin(2πkn / nFft), w the padded Hann window. */
  readonly windowedCos: GPUBuffer;
  readonly windowedSin: GPUBuffer;
}

export function createStftTables(ctx: GpuContext, config: Pick<SpectrogramConfig, 'nFft' | 'winLength'>): StftTables {
  const { nFft, winLength } = config;
  const nFreqs = frequencyBins(nFft);
  const window = padWindow(hannWindow(winLength), nFft);
  const cos = new Float32Array(nFft * nFreqs); // (nFft, nFreqs)
  const sin = new Float32Array(nFft * nFreqs);
  for (let n = 0; n < nFft; n++) {
    for (let k = 0; k < nFreqs; k++) {
      // (k * n) mod nFft keeps the angle exact for large k * n.
      const angle = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      cos[n * nFreqs + k] = window[n] * Math.cos(angle);
      sin[n * nFreqs + k] = window[n] * Math.sin(angle);
    }
  }
  return { nFft, winLength, windowedCos: ctx.upload(cos, 'stft.windowedCos'), windowedSin: ctx.upload(sin, 'stft.windowedSin') };
}

export function freeStftTables(ctx: GpuContext, tables: StftTables): void {
  ctx.release(tables.windowedCos);
  ctx.release(tables.windowedSin);
}

/**
 * Frames per workgroup: up to 8, fewer when their shared span of samples would not fit the
 * adapter's workgroup memory. Throws when not even one frame fits (nFft beyond ~4096 here).
 */
function framesPerWorkgroup(ctx: GpuContext, nFft: number, hopLength: number): { frames: number; span: number } {
  const capacity = Math.floor(ctx.limits.maxComputeWorkgroupStorageSize / 4);
  for (let frames = MAX_FRAMES; frames >= 1; frames--) {
    const span = (frames - 1) * hopLength + nFft;
    if (span <= capacity) return { frames, span };
  }
  throw new GpuLimitError('maxComputeWorkgroupStorageSize', nFft * 4, ctx.limits.maxComputeWorkgroupStorageSize, `spectrogram with nFft ${nFft}`);
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
  const block = framesPerWorkgroup(ctx, config.nFft, config.hopLength);
  const own = tables ?? createStftTables(ctx, config);
  if (own.nFft !== config.nFft || own.winLength !== config.winLength) {
    throw new Error(`spectrogram: tables for nFft ${own.nFft}, winLength ${own.winLength} used with nFft ${config.nFft}, winLength ${config.winLength}`);
  }
  const spec = empty(ctx, [batch, nFreqs, frames], 'spectrogram');
  const kernel = ctx.kernel({ name: 'dsp/stft', source, overrides: { WG, FRAMES: block.frames, N_FFT: config.nFft, SPAN: block.span } });
  ctx.dispatch(
    kernel,
    { x: x.buffer, windowedCos: own.windowedCos, windowedSin: own.windowedSin, spec: spec.buffer },
    { samples, frames, nFreqs, hopLength: config.hopLength, pad: config.pad, centerPad, padMode: PAD_MODES[config.padMode], power: config.power },
    [Math.ceil(nFreqs / WG), Math.ceil(frames / block.frames), batch],
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
