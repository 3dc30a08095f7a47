/**
 * CPU reference of dropout, with the same Philox4x32-10 stream as dropout.wgsl bit for bit
 * (32-bit integer arithmetic only), so tests can demand the GPU mask exactly.
 */
import { dropoutParams, maskWords, type DropoutOptions } from './index';

/** (high, low) halves of the 64-bit product of two u32s, as the WGSL computes them. */
function mulHiLo(a: number, b: number): [number, number] {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const carry = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return [(ah * bh + (lh >>> 16) + (hl >>> 16) + (carry >>> 16)) >>> 0, Math.imul(a, b) >>> 0];
}

/** Philox4x32-10 of a 4-word counter under a 2-word key (Random123's constants). */
export function philox4x32(counter: readonly number[], key: readonly number[]): Uint32Array {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let n = 0; n < 10; n++) {
    const [hi0, lo0] = mulHiLo(0xd2511f53, c0);
    const [hi1, lo1] = mulHiLo(0xcd9e8d57, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  return Uint32Array.of(c0, c1, c2, c3);
}

/** The packed keep-mask of `size` elements (bit i % 32 of word i / 32). */
export function dropoutMaskReference(size: number, options: DropoutOptions): Uint32Array {
  const { seedLo, seedHi, step, threshold } = dropoutParams(options);
  const mask = new Uint32Array(maskWords(size));
  if (options.p === 1) return mask;
  for (let q = 0; q * 4 < size; q++) {
    const r = philox4x32([q, step, 0, 0], [seedLo, seedHi]);
    for (let j = 0; j < 4 && q * 4 + j < size; j++) {
      const i = q * 4 + j;
      if (r[j] >= threshold) mask[i >>> 5] |= 1 << (i & 31);
    }
  }
  return mask;
}

export function isKept(mask: Uint32Array, i: number): boolean {
  return ((mask[i >>> 5] >>> (i & 31)) & 1) === 1;
}

/** y = x * keep * scale with a given mask. */
export function dropoutReference(x: ArrayLike<number>, mask: Uint32Array, p: number): Float64Array {
  const scale = p === 1 ? 0 : 1 / (1 - p);
  return Float64Array.from({ length: x.length }, (_, i) => (isKept(mask, i) ? x[i] * scale : 0));
}

/** gradInput = gradOutput * keep * scale with the forward's mask. */
export function dropoutBackwardReference(gradOutput: ArrayLike<number>, mask: Uint32Array, p: number): Float64Array {
  return dropoutReference(gradOutput, mask, p);
}
