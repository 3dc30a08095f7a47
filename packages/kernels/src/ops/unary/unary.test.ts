import { describe, expect, it } from 'vitest';
import { STORAGE_USAGE } from '@duet/gpu';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { UNARY_OPS, unary, unaryBackward, unaryOp, type UnaryOp } from './index';
import { unaryBackwardReference, unaryReference } from './reference';

const OPS = Object.keys(UNARY_OPS) as UnaryOp[];
// Inputs kept away from each op's kinks and poles, where finite differences are meaningless.
function inputFor(op: UnaryOp, n: number, seed: number): Float32Array {
  const x = randomArray(n, seed, -2, 2);
  if (op === 'log' || op === 'sqrt' || op === 'reciprocal') return x.map((v) => Math.abs(v) + 0.5);
  if (op === 'relu' || op === 'abs' || op === 'leakyRelu') return x.map((v) => (Math.abs(v) < 0.01 ? v + 0.05 : v));
  return x;
}

describe('unary reference', () => {
  it.each(OPS)('%s backward matches finite differences with a random upstream gradient', (op) => {
    const x = inputFor(op, 37, 1);
    const upstream = randomArray(37, 2);
    const analytic = unaryBackwardReference(op, x, upstream, 0.3);
    const numeric = numericGradient((p) => unaryReference(op, p, 0.3, 0.7), x, upstream);
    expectClose(analytic, numeric, 1e-6, 1e-5, `${op} gradient`);
  });

  it('follows PyTorch at the kinks: relu\'(0) = 0', () => {
    expect(unaryBackwardReference('relu', [0], [1])[0]).toBe(0);
  });
});

describeGpu('unary on the GPU', (gpu) => {
  // Not multiples of 4 (a last partial vec4 of 1, 2 or 3) nor of a workgroup's run of 64 x 8
  // vec4s; 4099 takes three workgroups, the last with a partial vec4.
  for (const n of [1, 6, 259, 4099]) {
    itGpu(`matches the reference for every op, forward and backward (n = ${n})`, async () => {
      const ctx = gpu();
      const { atol, rtol, gradAtol = atol, gradRtol = rtol } = unaryOp.tolerance;
      for (const op of OPS) {
        const xs = inputFor(op, n, 3);
        const up = randomArray(n, 4);
        const x = fromData(ctx, xs, [n], 'x');
        const g = fromData(ctx, up, [n], 'g');
        const y = unary(ctx, op, x, { alpha: 0.3, beta: 0.7 });
        const gx = unaryBackward(ctx, op, x, g, { alpha: 0.3 });
        expectClose(await toData(ctx, y), unaryReference(op, xs, 0.3, 0.7), atol, rtol, `${op} forward`);
        expectClose(await toData(ctx, gx), unaryBackwardReference(op, xs, up, 0.3), gradAtol, gradRtol, `${op} backward`);
        for (const a of [x, g, y, gx]) free(ctx, a);
      }
    });
  }

  itGpu('writes into a given output array', async () => {
    const ctx = gpu();
    const x = fromData(ctx, new Float32Array([-1, 2, -3]), [3], 'x');
    const out = fromData(ctx, new Float32Array([9, 9, 9]), [3], 'out');
    expect(unary(ctx, 'relu', x, { out })).toBe(out);
    expect([...(await toData(ctx, out))]).toEqual([0, 2, 0]);
    free(ctx, x);
    free(ctx, out);
  });

  itGpu('writes only the first size floats of a longer output buffer', async () => {
    const ctx = gpu();
    const x = fromData(ctx, new Float32Array([-1, 2, -3]), [3], 'x');
    const out = fromData(ctx, new Float32Array([9, 9, 9, 9, 9]), [5], 'out');
    unary(ctx, 'neg', x, { out: { ...out, shape: [3] } });
    expect([...(await toData(ctx, out))]).toEqual([1, -2, 3, 9, 9]);
    free(ctx, x);
    free(ctx, out);
  });

  itGpu('pads buffers too short for whole vec4s (not from the pool), forward and backward', async () => {
    const ctx = gpu();
    const raw = (values: number[]) => {
      const buffer = ctx.device.createBuffer({ size: values.length * 4, usage: STORAGE_USAGE, label: 'raw' });
      ctx.device.queue.writeBuffer(buffer, 0, Float32Array.from(values));
      return { buffer, shape: [values.length], dtype: 'f32' as const };
    };
    const x = raw([-1, 2, -3]);
    const out = raw([9, 9, 9]);
    unary(ctx, 'relu', x, { out });
    expect([...(await toData(ctx, out))]).toEqual([0, 2, 0]);
    const up = raw([1, 0.5, -1]);
    const gx = unaryBackward(ctx, 'square', x, up);
    expect([...(await toData(ctx, gx))]).toEqual([-2, 2, 6]);
    for (const a of [x, out, up]) a.buffer.destroy();
    free(ctx, gx);
  });
});
