/**
 * CPU reference of image_augment: the same Philox draws as the WGSL (bit for bit, through the
 * dropout op's philox4x32); the angle is rounded to float32 as the GPU rounds it, the sampling
 * is float64.
 */
import { philox4x32 } from '../dropout/reference';
import { imageAugmentParams, type ImageAugmentOptions, type ImageAugmentParams } from './index';

const TAG = 0x494d4147;
const f32 = Math.fround;

/** What image_augment drew for sample b: whole-pixel shifts and the angle in radians. */
export function drawTransform(p: ImageAugmentParams, b: number): { dx: number; dy: number; angle: number } {
  const r = philox4x32([0, p.step, b, TAG], [p.seedLo, p.seedHi]);
  const span = 2 * p.maxShift + 1;
  const degrees = f32(f32(p.degreesLo) + f32(f32(p.degreesSpan) * (r[2] >>> 8) * 2 ** -24));
  return { dx: (r[0] % span) - p.maxShift, dy: (r[1] % span) - p.maxShift, angle: f32(degrees * f32(Math.PI / 180)) };
}

/** x: (B, C, H, W) row-major -> (B, C, H, W). */
export function imageAugmentReference(x: ArrayLike<number>, shape: readonly number[], options: ImageAugmentOptions): Float64Array {
  const p = imageAugmentParams(shape, options);
  const { batch, channels, height, width } = p;
  const y = new Float64Array(batch * channels * height * width);
  const [cx, cy] = [(width - 1) / 2, (height - 1) / 2];
  for (let b = 0; b < batch; b++) {
    const { dx, dy, angle } = drawTransform(p, b);
    const [cosA, sinA] = [Math.cos(angle), Math.sin(angle)];
    for (let c = 0; c < channels; c++) {
      const plane = (b * channels + c) * height * width;
      const tap = (row: number, col: number) => (row < 0 || col < 0 || row >= height || col >= width ? 0 : x[plane + row * width + col]);
      for (let oy = 0; oy < height; oy++) {
        for (let ox = 0; ox < width; ox++) {
          const [u, v] = [ox - dx - cx, oy - dy - cy];
          const sx = cosA * u + sinA * v + cx;
          const sy = -sinA * u + cosA * v + cy;
          const [col, row] = [Math.floor(sx), Math.floor(sy)];
          const [fx, fy] = [sx - col, sy - row];
          const top = tap(row, col) * (1 - fx) + tap(row, col + 1) * fx;
          const bottom = tap(row + 1, col) * (1 - fx) + tap(row + 1, col + 1) * fx;
          y[plane + oy * width + ox] = top * (1 - fy) + bottom * fy;
        }
      }
    }
  }
  return y;
}
