/**
 * CPU reference of mixup: the draws are the host's own (drawMixup, shared with the GPU path),
 * the blend is float64 from the float32 weights the kernel reads.
 */
import { drawMixup, type MixupOptions } from './index';

/** x: (B, D) row-major -> (B, D). */
export function mixupReference(x: ArrayLike<number>, batch: number, options: MixupOptions): Float64Array {
  const { lambda, partner } = drawMixup(batch, options);
  const features = batch === 0 ? 0 : x.length / batch;
  return Float64Array.from({ length: x.length }, (_, i) => {
    const b = Math.floor(i / features);
    const f = i - b * features;
    return lambda[b] * x[i] + (1 - lambda[b]) * x[partner[b] * features + f];
  });
}
