/**
 * Image corruptions for the robustness curves, on grey images with values in [0, 1] (MNIST
 * pixels / 255, before normalisation), row-major (H, W), seeded and deterministic: Gaussian
 * noise (clipped to [0, 1]), occlusion by a band covering a given fraction of the image, and
 * blanking.
 */
import { mixSeed, mulberry32 } from '@duet/data';
import { gaussian } from './audio';

/** The occluded fractions of the report's image curves. */
export const OCCLUSION_FRACTIONS = [0.25, 0.5, 0.75] as const;
/** Noise standard deviations (on [0, 1] pixels) of the report's Gaussian-noise curve. */
export const IMAGE_NOISE_SIGMAS = [0.1, 0.2, 0.3, 0.5, 0.8] as const;

// pixels: (H*W,) -> (H*W,)
/** pixel + N(0, sigma^2) per pixel, clipped to [0, 1]. */
export function addImageNoise(pixels: Float32Array, sigma: number, seed: number): Float32Array {
  const draw = gaussian(mulberry32(seed));
  return pixels.map((p) => Math.min(1, Math.max(0, p + sigma * draw())));
}

/** The occluded rectangle: rows [top, top + height), columns [left, left + width). */
export interface Occlusion {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * A band across the whole image covering round(fraction * side) rows or columns (orientation
 * and position drawn from `seed`): the occluded fraction is exact whenever fraction * side is a
 * whole number (25/50/75 % of 28 pixels: 7, 14, 21).
 */
export function occlusionBand(height: number, width: number, fraction: number, seed: number): Occlusion {
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`occlusion fraction must be in [0, 1], got ${fraction}`);
  const random = mulberry32(seed);
  const horizontal = random() < 0.5;
  const side = horizontal ? height : width;
  const thick = Math.round(fraction * side);
  const start = Math.floor(random() * (side - thick + 1));
  return horizontal ? { top: start, left: 0, height: thick, width } : { top: 0, left: start, height, width: thick };
}

// pixels: (H*W,) -> (H*W,)
/** The image with the rectangle set to `fill` (default 0: the background, so ink under it is lost). */
export function occlude(pixels: Float32Array, width: number, rect: Occlusion, fill = 0): Float32Array {
  const out = Float32Array.from(pixels);
  for (let r = rect.top; r < rect.top + rect.height; r++) out.fill(fill, r * width + rect.left, r * width + rect.left + rect.width);
  return out;
}

export type ImageCorruption =
  | { readonly kind: 'clean' }
  | { readonly kind: 'noise'; readonly sigma: number }
  | { readonly kind: 'occlusion'; readonly fraction: number }
  | { readonly kind: 'blank' }
  | { readonly kind: 'missing' };

// images: (N, H, W) -> (N, H, W), or null for 'missing'
/**
 * One corruption applied to every image; image i draws from mixSeed(seed, i). 'blank' is an
 * all-background image fed to the model; 'missing' gives null (the modality is absent).
 */
export function corruptImages(images: Float32Array, count: number, height: number, width: number, corruption: ImageCorruption, seed: number): Float32Array | null {
  const size = height * width;
  if (images.length !== count * size) throw new Error(`corruptImages: ${images.length} values for ${count} images of ${height}x${width}`);
  if (corruption.kind === 'missing') return null;
  const out = new Float32Array(images.length);
  for (let i = 0; i < count; i++) {
    const image = images.subarray(i * size, (i + 1) * size);
    const s = mixSeed(seed, i);
    const corrupted =
      corruption.kind === 'clean' ? image
      : corruption.kind === 'blank' ? new Float32Array(size)
      : corruption.kind === 'noise' ? addImageNoise(image, corruption.sigma, s)
      : occlude(image, width, occlusionBand(height, width, corruption.fraction, s));
    out.set(corrupted, i * size);
  }
  return out;
}
