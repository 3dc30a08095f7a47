/**
 * Batched spectrogram on the GPU: many equal-length clips in one dispatch, torch.stft
 * semantics (periodic Hann window, centre padding by padMode, onesided), |X|^power.
 * Two strategies compute the same thing (see StftStrategy); both are exact enough for the
 * torchaudio parity the front end promises.
 */
import { GpuLimitError, type GpuContext } from '@duet/gpu';
import { empty, type GpuArray, type OpDef } from '@duet/kernels';
import dftSource from '@duet/shaders/dsp/stft.wgsl';
import fftSource from '@duet/shaders/dsp/stft_fft.wgsl';
import { frameCount, frequencyBins, validateSpectrogram, type PadMode, type SpectrogramConfig } from '../../config';
import { hannWindow, padWindow } from '../../window';

/**
 * - 'dft': a register-blocked matmul of frames with a windowed cos/sin basis (stft.wgsl). Any
 *   nFft; O(nFft^2) per frame, but regular work that suits wide SIMD and GPUs alike.
 * - 'fft': a mixed-radix Stockham FFT in workgroup memory (stft_fft.wgsl). nFft must factor into
 *   2, 3 and 5 (400 = 4·4·5·5, 256, 512…); O(nFft log nFft) per frame.
 */
export type StftStrategy = 'dft' | 'fft';

const DFT_WG = 32;
/** Frames per invocation of the DFT kernel (register block); MAX_FRAMES in stft.wgsl. */
const MAX_FRAMES = 8;
const FFT_WG = 64;
/** RADIX0..RADIX7 in stft_fft.wgsl. */
const MAX_PASSES = 8;
const PAD_MODES: Record<PadMode, number> = { reflect: 0, constant: 1, replicate: 2, circular: 3 };

/** Radices of the FFT passes for nFft (4s first, then 2, 3, 5), or null when it has another prime factor. */
export function fftRadices(nFft: number): number[] | null {
  const radices: number[] = [];
  let rest = nFft;
  for (const r of [4, 2, 3, 5]) {
    while (rest % r === 0) {
      radices.push(r);
      rest /= r;
    }
  }
  return rest === 1 && radices.length <= MAX_PASSES ? radices : null;
}

/**
 * The strategies that can run nFft on this adapter, the default first: 'dft', which was as fast
 * as the FFT on lavapipe at nFft 400 and faster at 256; chooseStftStrategy measures instead.
 */
export function stftStrategies(ctx: GpuContext, nFft: number): StftStrategy[] {
  // The FFT keeps two complex copies of the frame in workgroup memory.
  const fftFits = nFft > 1 && fftRadices(nFft) !== null && 16 * nFft <= ctx.limits.maxComputeWorkgroupStorageSize;
  return fftFits ? ['dft', 'fft'] : ['dft'];
}

/**
 * The faster strategy for this adapter and configuration: each candidate timed once on a probe
 * batch (B, samples) of silence, the choice remembered by ctx.choose (on disk in Node).
 */
export async function chooseStftStrategy(ctx: GpuContext, config: SpectrogramConfig, probeShape: readonly [number, number] = [16, 16000]): Promise<StftStrategy> {
  const candidates = stftStrategies(ctx, config.nFft);
  if (candidates.length === 1) return candidates[0];
  const probe = empty(ctx, probeShape, 'stft.probe');
  ctx.clear(probe.buffer);
  try {
    return await ctx.choose(`dsp/stft/nFft=${config.nFft}/hop=${config.hopLength}`, candidates, async (strategy) => {
      const tables = createStftTables(ctx, config, strategy);
      const run = () => ctx.release(spectrogram(ctx, probe, config, tables).buffer);
      await ctx.time(run); // compiles the pipeline
      const seconds = await ctx.time(run);
      freeStftTables(ctx, tables);
      return seconds;
    });
  } finally {
    ctx.release(probe.buffer);
  }
}

/** Window and basis of one configuration and strategy, uploaded once and reused across calls. */
export interface StftTables {
  readonly strategy: StftStrategy;
  readonly nFft: number;
  readonly winLength: number;
  /** dft: windowedCos, windowedSin (nFft, nFreqs). fft: window, cosTable, sinTable (nFft). */
  readonly buffers: Readonly<Record<string, GPUBuffer>>;
}

export function createStftTables(ctx: GpuContext, config: Pick<SpectrogramConfig, 'nFft' | 'winLength'>, strategy = stftStrategies(ctx, config.nFft)[0]): StftTables {
  const { nFft, winLength } = config;
  if (!stftStrategies(ctx, nFft).includes(strategy)) throw new Error(`spectrogram: the '${strategy}' strategy cannot run nFft ${nFft}`);
  const window = padWindow(hannWindow(winLength), nFft);
  // (k * n) mod nFft keeps every angle exact.
  const angle = (m: number) => (2 * Math.PI * (m % nFft)) / nFft;
  if (strategy === 'fft') {
    const cos = Float32Array.from({ length: nFft }, (_, m) => Math.cos(angle(m)));
    const sin = Float32Array.from({ length: nFft }, (_, m) => Math.sin(angle(m)));
    const buffers = { window: ctx.upload(Float32Array.from(window), 'stft.window'), cosTable: ctx.upload(cos, 'stft.cos'), sinTable: ctx.upload(sin, 'stft.sin') };
    return { strategy, nFft, winLength, buffers };
  }
  const nFreqs = frequencyBins(nFft);
  const cos = new Float32Array(nFft * nFreqs); // (nFft, nFreqs)
  const sin = new Float32Array(nFft * nFreqs);
  for (let n = 0; n < nFft; n++) {
    for (let k = 0; k < nFreqs; k++) {
      cos[n * nFreqs + k] = window[n] * Math.cos(angle(k * n));
      sin[n * nFreqs + k] = window[n] * Math.sin(angle(k * n));
    }
  }
  return { strategy, nFft, winLength, buffers: { windowedCos: ctx.upload(cos, 'stft.windowedCos'), windowedSin: ctx.upload(sin, 'stft.windowedSin') } };
}

export function freeStftTables(ctx: GpuContext, tables: StftTables): void {
  for (const buffer of Object.values(tables.buffers)) ctx.release(buffer);
}

/**
 * Frames per DFT workgroup: up to 8, fewer when their shared span of samples would not fit the
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

/**
 * x: (B, samples) -> (B, nFft / 2 + 1, frames) with frames = 1 + floor(samples / hop) when centred.
 * `tables` (from createStftTables) fixes the strategy; without them the first of stftStrategies.
 */
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
  const strategy = tables?.strategy ?? stftStrategies(ctx, config.nFft)[0];
  const block = strategy === 'dft' ? framesPerWorkgroup(ctx, config.nFft, config.hopLength) : null;
  const own = tables ?? createStftTables(ctx, config, strategy);
  if (own.nFft !== config.nFft || own.winLength !== config.winLength) {
    throw new Error(`spectrogram: tables for nFft ${own.nFft}, winLength ${own.winLength} used with nFft ${config.nFft}, winLength ${config.winLength}`);
  }
  const spec = empty(ctx, [batch, nFreqs, frames], 'spectrogram');
  const params = { samples, frames, nFreqs, hopLength: config.hopLength, pad: config.pad, centerPad, padMode: PAD_MODES[config.padMode], power: config.power };
  if (block) {
    const kernel = ctx.kernel({ name: 'dsp/stft', source: dftSource, overrides: { WG: DFT_WG, FRAMES: block.frames, N_FFT: config.nFft, SPAN: block.span } });
    ctx.dispatch(kernel, { x: x.buffer, ...own.buffers, spec: spec.buffer }, params, [Math.ceil(nFreqs / DFT_WG), Math.ceil(frames / block.frames), batch]);
  } else {
    const radices = fftRadices(config.nFft)!;
    const overrides: Record<string, number> = { WG: FFT_WG, N_FFT: config.nFft, PASSES: radices.length };
    for (let i = 0; i < MAX_PASSES; i++) overrides[`RADIX${i}`] = radices[i] ?? 1;
    const kernel = ctx.kernel({ name: 'dsp/stft_fft', source: fftSource, overrides });
    ctx.dispatch(kernel, { x: x.buffer, ...own.buffers, spec: spec.buffer }, params, [frames, batch, 1]);
  }
  if (!tables) freeStftTables(ctx, own);
  return spec;
}

export const spectrogramOp: OpDef = {
  name: 'spectrogram',
  shaders: ['dsp/stft.wgsl', 'dsp/stft_fft.wgsl'],
  differentiable: 'features are computed once from fixed audio before training; no gradient flows into the waveform',
  // Float32 sums over nFft terms against a float64 reference: relative to the clip's largest bin.
  tolerance: { atol: 1e-4, rtol: 1e-4 },
};
