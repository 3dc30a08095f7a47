/**
 * Seeded randomness for splits and batching. Pure, dependency-free and identical in Node and in
 * browsers, so a seed names the same split and the same batch order everywhere.
 *
 * Generator: mulberry32 (Tommy Ettinger's 32-bit state generator, public domain). It passes
 * gjrand/PractRand at the sizes used here (shuffling up to ~1e5 items), costs a few integer
 * multiplies per draw, and is fully specified below, unlike Math.random.
 * Shuffle: Fisher-Yates from the last position down, j = floor(u * (i + 1)).
 */
import { DataError } from './errors';

/** A generator of uniform floats in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a seed and a stream number (an epoch, a fold) into one 32-bit seed (murmur3's finaliser). */
export function mixSeed(seed: number, stream: number): number {
  let h = (seed >>> 0) ^ Math.imul(stream >>> 0, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Checks that a seed is an integer the generator can take (0 .. 2^32-1). */
export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new DataError(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  return seed;
}

/** Shuffles `items` in place with Fisher-Yates driven by `random`; returns it. */
export function shuffleInPlace<T>(items: T[] | Uint32Array, random: () => number): typeof items {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** A permutation of 0..n-1 that depends only on (seed, stream). -> (n,) */
export function permutation(n: number, seed: number, stream = 0): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, mulberry32(mixSeed(checkSeed(seed), stream))) as Uint32Array;
}
