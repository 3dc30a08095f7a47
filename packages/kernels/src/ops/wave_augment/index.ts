/**
 * Waveform augmentation for speaker generalisation, one dispatch per batch: per clip a random
 * circular or zero-filled time shift, a gain in dB, white noise at a random SNR relative to the
 * augmented clip's RMS, and speed perturbation by linear-interpolation resampling. Every random
 * choice comes from Philox4x32-10 (the dropout op's generator) keyed by the seed and counted by
 * (step, clip), so a (seed, step) pair augments the same way on every adapter and in the CPU
 * reference: the integer draws agree bit for bit, the floats made from them to float32 rounding.
 * Not differentiable: it acts on the inputs of a model.
 */
import type { GpuContext } from '@duet/gpu';
import source from '@duet/shaders/augment/wave_augment.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { withPhilox, withWorkgroupSum } from '../../wgsl';

const SOURCE = withPhilox(withWorkgroupSum(source)); // once, not per dispatch

const WG = 256;

export interface WaveAugmentOptions {
  /** RNG seed: a non-negative integer below 2^53 (Philox's 64-bit key). */
  readonly seed: number;
  /** Training step (a u32): each step draws new augmentations. */
  readonly step: number;
  /** Time shift by an integer in [-maxShift, maxShift] samples; circular wraps, zero fills with 0. */
  readonly shift?: { readonly maxShift: number; readonly mode: 'circular' | 'zero'; readonly p?: number };
  /** Gain in dB, uniform in [-db, +db]. */
  readonly gain?: { readonly db: number; readonly p?: number };
  /** White Gaussian noise at an SNR uniform in [snrLo, snrHi] dB relative to the clip's RMS. */
  readonly noise?: { readonly snrLo: number; readonly snrHi: number; readonly p?: number };
  /** Speed factor uniform in [1 - factor, 1 + factor]: y plays x that much faster (zero past x's end). */
  readonly speed?: { readonly factor: number; readonly p?: number };
}

/** The kernel's uniform values. Each component is on with probability p (default 1 when given). */
export function waveAugmentParams(batch: number, samples: number, options: WaveAugmentOptions) {
  const { seed, step, shift, gain, noise, speed } = options;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`wave_augment: seed ${seed} is not a non-negative safe integer`);
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new Error(`wave_augment: step ${step} is not a u32`);
  if (shift && (!Number.isInteger(shift.maxShift) || shift.maxShift < 0 || shift.maxShift >= 2 ** 30)) {
    throw new Error(`wave_augment: maxShift ${shift.maxShift} is not an integer in [0, 2^30)`);
  }
  if (gain && !(gain.db >= 0)) throw new Error(`wave_augment: gain db ${gain.db} must be >= 0`);
  if (noise && !(noise.snrLo <= noise.snrHi)) throw new Error(`wave_augment: snrLo ${noise.snrLo} > snrHi ${noise.snrHi}`);
  if (speed && !(speed.factor >= 0 && speed.factor < 1)) throw new Error(`wave_augment: speed factor ${speed.factor} is outside [0, 1)`);
  return {
    batch,
    samples,
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
    step,
    shiftGate: gate(shift, shift?.p),
    maxShift: shift?.maxShift ?? 0,
    circular: shift?.mode === 'circular' ? 1 : 0,
    gainGate: gate(gain, gain?.p),
    gainLo: -(gain?.db ?? 0),
    gainSpan: 2 * (gain?.db ?? 0),
    noiseGate: gate(noise, noise?.p),
    snrLo: noise?.snrLo ?? 0,
    snrSpan: noise ? noise.snrHi - noise.snrLo : 0,
    speedGate: gate(speed, speed?.p),
    speedLo: 1 - (speed?.factor ?? 0),
    speedSpan: 2 * (speed?.factor ?? 0),
  };
}

export type WaveAugmentParams = ReturnType<typeof waveAugmentParams>;

/** A component with probability p is on when the top 24 bits of its gate draw are below p * 2^24. */
function gate(component: object | undefined, p = 1): number {
  if (!component) return 0;
  if (!(p >= 0 && p <= 1)) throw new Error(`wave_augment: probability ${p} is outside [0, 1]`);
  return Math.floor(p * 2 ** 24);
}

/** x: (B, N) waveforms -> (B, N) augmented waveforms (a new array). */
export function waveAugment(ctx: GpuContext, x: GpuArray, options: WaveAugmentOptions): GpuArray {
  if (x.shape.length !== 2) throw new Error(`wave_augment: x must be (B, samples), got [${x.shape.join(', ')}]`);
  const [batch, samples] = x.shape;
  const params = waveAugmentParams(batch, samples, options);
  const y = empty(ctx, x.shape, 'wave_augment');
  if (batch === 0 || samples === 0) return y;
  const kernel = ctx.kernel({ name: 'wave_augment', source: SOURCE, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, params, [batch, 1, 1]);
  return y;
}

export const waveAugmentOp: OpDef = {
  name: 'wave_augment',
  shaders: ['augment/wave_augment.wgsl'],
  differentiable: 'augmentation transforms training inputs; no gradient flows to them',
  // Noise goes through log, cos and sin, and the RMS through a float32 tree sum.
  tolerance: { atol: 2e-5, rtol: 1e-4 },
};
