/**
 * Finite-difference check of gradients through the tape: the analytic gradient of
 * L = sum(f(inputs) * r) with a random upstream r (not all ones, which hides index and
 * transpose bugs), against central differences of the same GPU forward (float32, so eps is
 * large and the tolerance loose: it checks the tape's wiring; each kernel checks its own
 * gradient against float64 differences in @duet/kernels).
 */
import type { GpuContext } from '@duet/gpu';
import { expect } from 'vitest';
import { expectClose, randomArray } from '@duet/gpu/testing';
import { fromData, free } from '@duet/kernels';
import { noGrad, Scope, Tensor } from '../src/index';

export interface Input {
  readonly values: Float32Array;
  readonly shape: readonly number[];
  /** Needs no gradient (a network's input): the tape skips it, and so does the check. */
  readonly constant?: boolean;
}

export async function gradcheck(ctx: GpuContext, f: (xs: Tensor[]) => Tensor, inputs: readonly Input[], what: string, eps = 1e-2, atol = 3e-3, rtol = 2e-2): Promise<void> {
  const scope = new Scope();
  const leaves = scope.run(() => inputs.map((x) => Tensor.from(ctx, x.values, x.shape, !x.constant)));
  const out = scope.run(() => f(leaves));
  const n = out.shape.reduce((a, b) => a * b, 1);
  const r = randomArray(n, 12345);
  const upstream = fromData(ctx, r, out.shape, 'upstream');
  out.backward(upstream);
  free(ctx, upstream);
  const analytic = await Promise.all(leaves.map(async (t, k) => {
    if (inputs[k].constant) {
      expect(t.grad, `${what}: input ${k} is constant`).toBeFalsy();
      return null;
    }
    return new Float32Array(await ctx.readFloat32(t.grad!.buffer, t.grad!.shape.reduce((a, b) => a * b, 1)));
  }));
  scope.release();

  const loss = async (k: number, i: number, delta: number): Promise<number> => {
    const s = new Scope();
    const y = s.run(() =>
      noGrad(() => f(inputs.map((x, j) => {
        const v = Float32Array.from(x.values);
        if (j === k) v[i] += delta;
        return Tensor.from(ctx, v, x.shape);
      }))),
    );
    const values = await y.toArray();
    s.release();
    let total = 0;
    for (let m = 0; m < n; m++) total += values[m] * r[m];
    return total;
  };
  for (let k = 0; k < inputs.length; k++) {
    if (inputs[k].constant) continue;
    const numeric = new Float64Array(inputs[k].values.length);
    for (let i = 0; i < numeric.length; i++) numeric[i] = ((await loss(k, i, eps)) - (await loss(k, i, -eps))) / (2 * eps);
    expectClose(analytic[k]!, numeric, atol, rtol, `${what}: gradient of input ${k}`);
  }
}

/** Seeded values in [lo, hi), pushed at least `gap` away from 0 (kinks of relu, abs, max). */
export function input(shape: readonly number[], seed: number, lo = -1, hi = 1, gap = 0): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = randomArray(n, seed, lo, hi).map((v) => (Math.abs(v) < gap ? v + Math.sign(v || 1) * gap : v));
  return { values, shape };
}
