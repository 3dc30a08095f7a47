/**
 * A fixed set of kernels on seeded inputs, run the same way in the page (WebGPU in Chromium)
 * and in Node (Dawn): the e2e parity test compares the two. Shapes are small and odd on
 * purpose (not multiples of any tile or workgroup size), as in the kernels' own tests.
 */
import type { GpuContext } from '@duet/gpu';
import { mulberry32 } from '@duet/data';
import { melSpectrogram } from '@duet/dsp';
import { conv2d, free, fromData, matmul, softmax, toData, type GpuArray } from '@duet/kernels';

export interface ParityResult {
  readonly shape: readonly number[];
  readonly data: number[];
}

function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** Runs every kernel of the set on inputs drawn from `seed`; results as plain arrays (JSON-safe). */
export async function runParityKernels(ctx: GpuContext, seed: number): Promise<Record<string, ParityResult>> {
  const arrays: GpuArray[] = [];
  const input = (shape: number[], salt: number, lo?: number, hi?: number) => {
    const a = fromData(ctx, uniform(shape.reduce((p, d) => p * d, 1), seed * 31 + salt, lo, hi), shape, `parity.${salt}`);
    arrays.push(a);
    return a;
  };
  const outputs: Record<string, GpuArray> = {
    // (37, 53) x (53, 29)
    matmul: matmul(ctx, input([37, 53], 1), input([53, 29], 2)),
    // (1, 3, 13, 11) * (5, 3, 3, 3), stride 2, padding 1, bias, fused ReLU
    conv2d: conv2d(ctx, input([1, 3, 13, 11], 3), input([5, 3, 3, 3], 4), input([5], 5), { stride: 2, padding: 1, relu: true }),
    // (7, 10) rows, logits spread over [-8, 8]
    softmax: softmax(ctx, input([7, 10], 6, -8, 8)),
    // 0.4 s of noise at 8 kHz -> (1, 40, frames) dB, the audio-cnn front end's settings
    melSpectrogram: melSpectrogram(
      ctx,
      input([1, 3203], 7, -0.5, 0.5),
      { sampleRate: 8000, nFft: 256, hopLength: 80, nMels: 40, fMin: 20, fMax: 4000 },
      { topDb: 80 },
    ),
  };
  const results: Record<string, ParityResult> = {};
  for (const [name, array] of Object.entries(outputs)) {
    results[name] = { shape: [...array.shape], data: Array.from(await toData(ctx, array)) };
    free(ctx, array);
  }
  for (const a of arrays) free(ctx, a);
  return results;
}
