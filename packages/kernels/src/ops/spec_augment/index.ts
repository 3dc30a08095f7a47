/**
 * SpecAugment masking (Park et al., 2019; torchaudio's FrequencyMasking/TimeMasking) for a batch
 * of spectrograms, one dispatch per batch: each sample gets up to `freqMasks` frequency masks of
 * width up to `maxFreqWidth` and up to `timeMasks` time masks of width up to `maxTimeWidth`
 * (a width of 0 is drawn as often as any other), filled with a constant or the sample's mean.
 * Mask positions come from Philox4x32-10 (the dropout op's generator) keyed by the seed and
 * counted by (mask, step, sample), so the GPU and the CPU reference mask the same cells exactly.
 * Not differentiable: it acts on the inputs of a model.
 */
import type { GpuContext } from '@duet/gpu';
import source from '@duet/shaders/augment/spec_augment.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { withPhilox, withWorkgroupSum } from '../../wgsl';

const SOURCE = withPhilox(withWorkgroupSum(source)); // once, not per dispatch

const WG = 256;
/** Masks per sample the kernel holds (MAX_MASKS in the WGSL). */
export const MAX_MASKS = 64;

export interface SpecAugmentOptions {
  /** RNG seed: a non-negative integer below 2^53 (Philox's 64-bit key). */
  readonly seed: number;
  /** Training step (a u32): each step draws new masks. */
  readonly step: number;
  /** Frequency masks per sample (N) and their widest width in bins (Fmax <= F). */
  readonly freqMasks: number;
  readonly maxFreqWidth: number;
  /** Time masks per sample (M) and their widest width in frames (Tmax <= T). */
  readonly timeMasks: number;
  readonly maxTimeWidth: number;
  /** What masked cells hold: a constant (0 after normalisation) or 'mean', each sample's own mean. */
  readonly fill: number | 'mean';
}

/** The kernel's uniform values for x of shape (B, F, T). */
export function specAugmentParams(batch: number, freq: number, time: number, options: SpecAugmentOptions) {
  const { seed, step, freqMasks, maxFreqWidth, timeMasks, maxTimeWidth, fill } = options;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`spec_augment: seed ${seed} is not a non-negative safe integer`);
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new Error(`spec_augment: step ${step} is not a u32`);
  for (const [name, count] of [['freqMasks', freqMasks], ['timeMasks', timeMasks]] as const) {
    if (!Number.isInteger(count) || count < 0) throw new Error(`spec_augment: ${name} ${count} is not a non-negative integer`);
  }
  if (freqMasks + timeMasks > MAX_MASKS) throw new Error(`spec_augment: ${freqMasks + timeMasks} masks per sample, at most ${MAX_MASKS}`);
  for (const [name, width, size] of [['maxFreqWidth', maxFreqWidth, freq], ['maxTimeWidth', maxTimeWidth, time]] as const) {
    if (!Number.isInteger(width) || width < 0 || width > size) throw new Error(`spec_augment: ${name} ${width} is not an integer in [0, ${size}]`);
  }
  if (fill !== 'mean' && !Number.isFinite(fill)) throw new Error(`spec_augment: fill ${fill} is neither a finite number nor 'mean'`);
  return {
    batch,
    freq,
    time,
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
    step,
    freqMasks,
    maxFreqWidth,
    timeMasks,
    maxTimeWidth,
    fillMean: fill === 'mean' ? 1 : 0,
    fillValue: fill === 'mean' ? 0 : fill,
  };
}

export type SpecAugmentParams = ReturnType<typeof specAugmentParams>;

/** x: (B, F, T) spectrograms -> (B, F, T) masked copies (a new array). */
export function specAugment(ctx: GpuContext, x: GpuArray, options: SpecAugmentOptions): GpuArray {
  if (x.shape.length !== 3) throw new Error(`spec_augment: x must be (B, F, T), got [${x.shape.join(', ')}]`);
  const [batch, freq, time] = x.shape;
  const params = specAugmentParams(batch, freq, time, options);
  const y = empty(ctx, x.shape, 'spec_augment');
  if (batch * freq * time === 0) return y;
  const kernel = ctx.kernel({ name: 'spec_augment', source: SOURCE, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, params, [batch, 1, 1]);
  return y;
}

export const specAugmentOp: OpDef = {
  name: 'spec_augment',
  shaders: ['augment/spec_augment.wgsl'],
  differentiable: 'augmentation transforms training inputs; no gradient flows to them',
  // Masked cells are exact; only the 'mean' fill is a float32 tree sum.
  tolerance: { atol: 1e-6, rtol: 1e-5 },
};
