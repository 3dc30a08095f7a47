/**
 * Test helpers shared by every package's GPU suites (Node only).
 * On CI (CI=true) a missing adapter fails the suite; on a developer's machine it is skipped
 * with one loud line, so nobody mistakes a skip for a pass.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { GpuContext } from './context';
import { MemoryTuningStore } from './tuning';
import { acquireGpu } from './node';

let shared: Promise<GpuContext | Error> | null = null;

function sharedContext(): Promise<GpuContext | Error> {
  shared ??= acquireGpu({ tuning: new MemoryTuningStore() }).catch((error: Error) => error);
  return shared;
}

/**
 * Runs `body` with a GPU context (one per test file). `gpu()` returns it inside tests.
 */
export function describeGpu(name: string, body: (gpu: () => GpuContext) => void): void {
  let ctx: GpuContext | null = null;
  let failure: Error | null = null;
  describe(name, () => {
    beforeAll(async () => {
      const result = await sharedContext();
      if (result instanceof Error) failure = result;
      else ctx = result;
      if (failure && process.env.CI !== 'true') {
        console.warn(`webgpu: no adapter (${failure.message}); suite '${name}' skipped`);
      }
    });
    afterAll(async () => {
      if (ctx) await ctx.sync().catch(() => undefined);
    });
    body(() => {
      if (ctx) return ctx;
      if (failure && process.env.CI === 'true') throw failure;
      throw new SkipGpu(failure?.message ?? 'no adapter');
    });
  });
}

/** Thrown by gpu() when no adapter exists off CI; `itGpu` turns it into a skip. */
export class SkipGpu extends Error {}

/** Like `it`, but skips (off CI only) when the suite has no adapter. */
export function itGpu(name: string, fn: () => Promise<void> | void, timeout?: number): void {
  it(name, async (context) => {
    try {
      await fn();
    } catch (error) {
      if (error instanceof SkipGpu) context.skip();
      else throw error;
    }
  }, timeout);
}

/** Deterministic uniform floats in [lo, hi) (mulberry32), for seeded test inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/** Asserts |a - b| <= atol + rtol * |b| everywhere, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4, what = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const excess = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/**
 * Central-difference gradient of L(x) = sum(f(x) * upstream) in float64: the check every
 * backward reference must pass. A random `upstream` (not all ones) catches index and
 * transpose bugs that sum(f(x)) hides.
 */
export function numericGradient(
  f: (x: Float64Array) => ArrayLike<number>,
  x: ArrayLike<number>,
  upstream: ArrayLike<number>,
  eps = 1e-6,
): Float64Array {
  const point = Float64Array.from(x);
  const grad = new Float64Array(point.length);
  const loss = () => {
    const y = f(point);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * upstream[i];
    return s;
  };
  for (let i = 0; i < point.length; i++) {
    const v = point[i];
    point[i] = v + eps;
    const plus = loss();
    point[i] = v - eps;
    const minus = loss();
    point[i] = v;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}
