import { describe, expect, it } from 'vitest';
import { sizeOf } from '@duet/gpu';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { broadcastShapes, collapseBroadcast } from './broadcast';
import { BINARY_OPS, binary, binaryBackward, binaryOp, type BinaryOp } from './index';
import { binaryBackwardReference, binaryReference } from './reference';

const OPS = Object.keys(BINARY_OPS) as BinaryOp[];

// [a shape, b shape]: plain, trailing and leading broadcasts, both sides broadcast, a scalar,
// rank 4 with every dim broadcast somewhere, and rank 5 that collapses to fewer dims.
const CASES: [number[], number[]][] = [
  [[3, 5], [3, 5]],
  [[3, 5], [5]],
  [[2, 1, 4], [3, 1]],
  [[1], [7]],
  [[], [4, 3]],
  [[2, 3, 1, 5], [1, 3, 4, 1]],
  [[2, 3, 4, 5, 3], [1, 1, 4, 5, 3]],
  [[1, 1, 37], [5, 1, 1]],
];

// Inputs away from each op's poles, kinks and undefined regions.
function inputsFor(op: BinaryOp, na: number, nb: number, seed: number): [Float32Array, Float32Array] {
  const a = randomArray(na, seed, -2, 2);
  const b = randomArray(nb, seed + 1, -2, 2);
  if (op === 'pow') return [a.map((v) => Math.abs(v) + 0.5), b];
  if (op === 'div') return [a, b.map((v) => Math.sign(v || 1) * (Math.abs(v) + 0.5))];
  return [a, b];
}

describe('broadcasting', () => {
  it('follows NumPy rules and rejects clashes', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes([], [3])).toEqual([3]);
    expect(() => broadcastShapes([2, 3], [4, 3])).toThrow(/cannot broadcast/);
  });

  it('collapses dims every input treats alike, and refuses what needs more than 4', () => {
    const frame = collapseBroadcast([2, 3, 4, 5, 3], [1, 1, 4, 5, 3]);
    expect(frame.outShape).toEqual([1, 1, 6, 60]);
    expect(frame.bStrides).toEqual([0, 0, 0, 1]);
    expect(frame.aStrides).toEqual([0, 0, 60, 1]);
    expect(() => collapseBroadcast([2, 1, 2, 1, 2], [1, 2, 1, 2, 1])).toThrow(/needs 5 dims/);
  });
});

describe('binary reference', () => {
  for (const [aShape, bShape] of [CASES[2], CASES[5]]) {
    it.each(OPS)(`%s backward matches finite differences for [${aShape}] with [${bShape}]`, (op) => {
      const [a, b] = inputsFor(op, sizeOf(aShape), sizeOf(bShape), 1);
      const upstream = randomArray(sizeOf(broadcastShapes(aShape, bShape)), 2);
      const { gradA, gradB } = binaryBackwardReference(op, a, aShape, b, bShape, upstream);
      const numericA = numericGradient((p) => binaryReference(op, p, aShape, b, bShape), a, upstream);
      const numericB = numericGradient((p) => binaryReference(op, a, aShape, p, bShape), b, upstream);
      expectClose(gradA, numericA, 1e-6, 1e-5, `${op} gradA`);
      expectClose(gradB, numericB, 1e-6, 1e-5, `${op} gradB`);
    });
  }

  it('sends the gradient of max and min to a on a tie', () => {
    for (const op of ['max', 'min'] as const) {
      const { gradA, gradB } = binaryBackwardReference(op, [2], [1], [2], [1], [3]);
      expect([gradA[0], gradB[0]]).toEqual([3, 0]);
    }
  });
});

describeGpu('binary on the GPU', (gpu) => {
  for (const [aShape, bShape] of CASES) {
    itGpu(`matches the reference for every op, forward and backward: [${aShape}] with [${bShape}]`, async () => {
      const ctx = gpu();
      const { atol, rtol, gradAtol = atol, gradRtol = rtol } = binaryOp.tolerance;
      const outShape = broadcastShapes(aShape, bShape);
      for (const op of OPS) {
        const [as, bs] = inputsFor(op, sizeOf(aShape), sizeOf(bShape), 3);
        const up = randomArray(sizeOf(outShape), 4);
        const a = fromData(ctx, as, aShape, 'a');
        const b = fromData(ctx, bs, bShape, 'b');
        const g = fromData(ctx, up, outShape, 'g');
        const y = binary(ctx, op, a, b);
        const { gradA, gradB } = binaryBackward(ctx, op, a, b, g);
        expect(y.shape).toEqual(outShape);
        expect(gradA.shape).toEqual(aShape);
        expect(gradB.shape).toEqual(bShape);
        const expected = binaryBackwardReference(op, as, aShape, bs, bShape, up);
        expectClose(await toData(ctx, y), binaryReference(op, as, aShape, bs, bShape), atol, rtol, `${op} forward`);
        expectClose(await toData(ctx, gradA), expected.gradA, gradAtol, gradRtol, `${op} gradA`);
        expectClose(await toData(ctx, gradB), expected.gradB, gradAtol, gradRtol, `${op} gradB`);
        for (const t of [a, b, g, y, gradA, gradB]) free(ctx, t);
      }
    });
  }

  itGpu('writes into a given output array, never into an input', async () => {
    const ctx = gpu();
    const a = fromData(ctx, new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], 'a');
    const b = fromData(ctx, new Float32Array([10, 20, 30]), [3], 'b');
    const out = fromData(ctx, new Float32Array(6), [2, 3], 'out');
    expect(binary(ctx, 'add', a, b, { out })).toBe(out);
    expect([...(await toData(ctx, out))]).toEqual([11, 22, 33, 14, 25, 36]);
    expect(() => binary(ctx, 'add', a, b, { out: a })).toThrow(/share a buffer/);
    for (const t of [a, b, out]) free(ctx, t);
  });

  itGpu('handles ties, 0^0 and negative bases with integral exponents like PyTorch', async () => {
    const ctx = gpu();
    const a = fromData(ctx, new Float32Array([2, -2, -2, 1, 0]), [5], 'a');
    const b = fromData(ctx, new Float32Array([2, 3, 2, 1, 0]), [5], 'b');
    const g = fromData(ctx, new Float32Array([1, 1, 1, 1, 1]), [5], 'g');
    expect([...(await toData(ctx, binary(ctx, 'pow', a, b)))]).toEqual([4, -8, 4, 1, 1]);
    expect([...(await toData(ctx, binaryBackward(ctx, 'pow', a, b, g).gradA)).slice(0, 4)]).toEqual([4, 12, -4, 1]);
    const max = binaryBackward(ctx, 'max', a, b, g);
    expect([...(await toData(ctx, max.gradA))]).toEqual([1, 0, 0, 1, 1]);
    expect([...(await toData(ctx, max.gradB))]).toEqual([0, 1, 1, 0, 0]);
  });
});
