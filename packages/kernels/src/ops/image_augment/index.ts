/**
 * Random shift (whole pixels) and small rotation (bilinear, zero fill) of a batch of images,
 * one dispatch per batch, e.g. MNIST digits (B, 1, 28, 28). Each sample's shift and angle come
 * from Philox4x32-10 (the dropout op's generator) keyed by the seed and counted by (step, sample),
 * so the GPU and the CPU reference draw the same transform bit for bit; the resampled pixels
 * agree to float32 rounding of sin/cos and the sampling position.
 * Not differentiable: it acts on the inputs of a model.
 */
import { dispatchFor, type GpuContext } from '@duet/gpu';
import source from '@duet/shaders/augment/image_augment.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { withPhilox } from '../../wgsl';

const SOURCE = withPhilox(source); // once, not per dispatch

const WG = 256;

export interface ImageAugmentOptions {
  /** RNG seed: a non-negative integer below 2^53 (Philox's 64-bit key). */
  readonly seed: number;
  /** Training step (a u32): each step draws new transforms. */
  readonly step: number;
  /** Shift by whole pixels, dx and dy each uniform in [-maxShift, maxShift]. */
  readonly maxShift: number;
  /** Rotation uniform in [-maxDegrees, maxDegrees] degrees about the image centre. */
  readonly maxDegrees: number;
}

/** The kernel's uniform values for x of shape (B, C, H, W). */
export function imageAugmentParams(shape: readonly number[], options: ImageAugmentOptions) {
  const { seed, step, maxShift, maxDegrees } = options;
  if (shape.length !== 4) throw new Error(`image_augment: x must be (B, C, H, W), got [${shape.join(', ')}]`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`image_augment: seed ${seed} is not a non-negative safe integer`);
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new Error(`image_augment: step ${step} is not a u32`);
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift >= 2 ** 16) throw new Error(`image_augment: maxShift ${maxShift} is not an integer in [0, 2^16)`);
  if (!(maxDegrees >= 0 && maxDegrees <= 180)) throw new Error(`image_augment: maxDegrees ${maxDegrees} is outside [0, 180]`);
  const [batch, channels, height, width] = shape;
  return {
    batch,
    channels,
    height,
    width,
    seedLo: seed % 2 ** 32,
    seedHi: Math.floor(seed / 2 ** 32),
    step,
    maxShift,
    degreesLo: -maxDegrees,
    degreesSpan: 2 * maxDegrees,
  };
}

export type ImageAugmentParams = ReturnType<typeof imageAugmentParams>;

/** x: (B, C, H, W) images -> (B, C, H, W) shifted and rotated copies (a new array). */
export function imageAugment(ctx: GpuContext, x: GpuArray, options: ImageAugmentOptions): GpuArray {
  const params = imageAugmentParams(x.shape, options);
  const y = empty(ctx, x.shape, 'image_augment');
  const pixels = params.channels * params.height * params.width;
  if (params.batch * pixels === 0) return y;
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  const kernel = ctx.kernel({ name: 'image_augment', source: SOURCE, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, params, [dispatchFor(pixels, WG, max, 'image_augment'), params.batch, 1]);
  return y;
}

export const imageAugmentOp: OpDef = {
  name: 'image_augment',
  shaders: ['augment/image_augment.wgsl'],
  differentiable: 'augmentation transforms training inputs; no gradient flows to them',
  // Sampling positions carry float32 rounding of sin/cos (times coordinates up to ~W).
  tolerance: { atol: 2e-5, rtol: 1e-4 },
};
