/**
 * Light MNIST augmentation on the host: each image is rotated by up to ±maxDegrees about its
 * centre and shifted by up to ±maxShift pixels (bilinear sampling, zeros outside), every draw
 * from a generator seeded by (seed, global step), so a resumed run augments exactly as an
 * uninterrupted one. 128 images of 28 x 28 take well under a millisecond.
 */
import { mixSeed, mulberry32 } from '@duet/data';

export interface AffineOptions {
  readonly maxDegrees: number;
  readonly maxShift: number;
}

export const MNIST_AFFINE: AffineOptions = { maxDegrees: 10, maxShift: 2 };

// pixels: (B, H, W) 0..255 -> (B, H, W) 0..255, a new array
export function augmentImages(pixels: Uint8Array, batch: number, height: number, width: number, seed: number, step: number, options = MNIST_AFFINE): Uint8Array {
  const random = mulberry32(mixSeed(seed, step));
  const out = new Uint8Array(pixels.length);
  const [cy, cx] = [(height - 1) / 2, (width - 1) / 2];
  for (let b = 0; b < batch; b++) {
    const angle = ((2 * random() - 1) * options.maxDegrees * Math.PI) / 180;
    const dx = (2 * random() - 1) * options.maxShift;
    const dy = (2 * random() - 1) * options.maxShift;
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    const src = pixels.subarray(b * height * width, (b + 1) * height * width);
    const dst = out.subarray(b * height * width, (b + 1) * height * width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        // Inverse map: the output pixel (x, y) samples the input at R^-1 ((x, y) - c - d) + c.
        const [u, v] = [x - cx - dx, y - cy - dy];
        const sx = cos * u + sin * v + cx;
        const sy = -sin * u + cos * v + cy;
        dst[y * width + x] = Math.round(bilinear(src, height, width, sx, sy));
      }
    }
  }
  return out;
}

function bilinear(src: Uint8Array, height: number, width: number, x: number, y: number): number {
  const [x0, y0] = [Math.floor(x), Math.floor(y)];
  const [fx, fy] = [x - x0, y - y0];
  const at = (xx: number, yy: number) => (xx >= 0 && xx < width && yy >= 0 && yy < height ? src[yy * width + xx] : 0);
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}
