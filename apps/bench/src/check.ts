/**
 * Result checks: a benchmark that computes the wrong answer is a failure, not a fast result.
 * Each check recomputes sampled output elements in float64 straight from the definition.
 */
import type { Conv2dDirection, Conv2dGeometry } from '@duet/kernels';

/** Seeded values in [-1, 1) (an LCG: the same inputs for every run and impl). */
export function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** `count` indices in [0, n), spread evenly with a seeded offset so corners and middles are hit. */
export function sampleIndices(n: number, count: number): number[] {
  const step = Math.max(1, Math.floor(n / count));
  const out = [0, n - 1];
  for (let i = (step * 7) % n; out.length < count && i < n; i += step) out.push(i);
  return out;
}

/**
 * A float32 sum differs from the float64 one by a few ulps of the sum of |terms| (more with
 * long sums in a bad order): allow 16 float32 epsilons of it. An indexing bug is off by O(1).
 */
function close(got: number, want: number, absSum: number): boolean {
  return Number.isFinite(got) && Math.abs(got - want) <= 1e-6 + 2e-6 * absSum;
}

/** c (m, n) = a (m, k) @ b (k, n), row-major: first wrong sampled element, or null. */
export function checkMatmul(a: Float32Array, b: Float32Array, c: ArrayLike<number>, m: number, n: number, k: number): string | null {
  for (const idx of sampleIndices(m * n, 48)) {
    const i = Math.floor(idx / n);
    const j = idx % n;
    let sum = 0;
    let abs = 0;
    for (let p = 0; p < k; p++) {
      const t = a[i * k + p] * b[p * n + j];
      sum += t;
      abs += Math.abs(t);
    }
    if (!close(c[idx], sum, abs)) return `c[${i}, ${j}] = ${c[idx]}, expected ${sum}`;
  }
  return null;
}

const outSize = (size: number, kernel: number, stride: number, pad: number, dilation: number) => Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;

/**
 * Checks sampled elements of one conv2d direction. Inputs per direction:
 * forward (x, weight) -> y without bias; backwardInput (gradOutput, weight) -> gradInput;
 * backwardWeight (gradOutput, x) -> gradWeight.
 */
export function checkConv2d(g: Conv2dGeometry, direction: Conv2dDirection, first: Float32Array, second: Float32Array, result: ArrayLike<number>): string | null {
  const oh = outSize(g.inHeight, g.kernelH, g.strideH, g.padH, g.dilationH);
  const ow = outSize(g.inWidth, g.kernelW, g.strideW, g.padW, g.dilationW);
  const shapes: Record<Conv2dDirection, number[]> = {
    forward: [g.batch, g.outChannels, oh, ow],
    backwardInput: [g.batch, g.inChannels, g.inHeight, g.inWidth],
    backwardWeight: [g.outChannels, g.inChannels, g.kernelH, g.kernelW],
  };
  const shape = shapes[direction];
  const total = shape.reduce((p, d) => p * d, 1);
  for (const index of sampleIndices(total, direction === 'backwardWeight' ? 12 : 32)) {
    const [i0, i1, i2, i3] = unravel(index, shape);
    let sum = 0;
    let abs = 0;
    // One product of the convolution: output (b, co, y, x) and tap (ci, kh, kw).
    const add = (b: number, co: number, y: number, x: number, ci: number, kh: number, kw: number) => {
      const ih = y * g.strideH - g.padH + kh * g.dilationH;
      const iw = x * g.strideW - g.padW + kw * g.dilationW;
      if (y < 0 || y >= oh || x < 0 || x >= ow || ih < 0 || ih >= g.inHeight || iw < 0 || iw >= g.inWidth) return;
      const xi = ((b * g.inChannels + ci) * g.inHeight + ih) * g.inWidth + iw;
      const wi = ((co * g.inChannels + ci) * g.kernelH + kh) * g.kernelW + kw;
      const yi = ((b * g.outChannels + co) * oh + y) * ow + x;
      const t = direction === 'forward' ? first[xi] * second[wi] : direction === 'backwardInput' ? first[yi] * second[wi] : first[yi] * second[xi];
      sum += t;
      abs += Math.abs(t);
    };
    if (direction === 'forward') {
      for (let ci = 0; ci < g.inChannels; ci++) for (let kh = 0; kh < g.kernelH; kh++) for (let kw = 0; kw < g.kernelW; kw++) add(i0, i1, i2, i3, ci, kh, kw);
    } else if (direction === 'backwardInput') {
      for (let co = 0; co < g.outChannels; co++)
        for (let kh = 0; kh < g.kernelH; kh++)
          for (let kw = 0; kw < g.kernelW; kw++) {
            const ny = i2 + g.padH - kh * g.dilationH;
            const nx = i3 + g.padW - kw * g.dilationW;
            if (ny % g.strideH === 0 && nx % g.strideW === 0) add(i0, co, ny / g.strideH, nx / g.strideW, i1, kh, kw);
          }
    } else {
      for (let b = 0; b < g.batch; b++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) add(b, i0, y, x, i1, i2, i3);
    }
    if (!close(result[index], sum, abs)) return `${direction}[${i0}, ${i1}, ${i2}, ${i3}] = ${result[index]}, expected ${sum}`;
  }
  return null;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return out;
}
