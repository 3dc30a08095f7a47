import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray, seededRandom } from '@duet/gpu/testing';
import { fromData, free, toData, toUint32 } from '../../array';
import { isDisjoint, maxPool2d, maxPool2dBackward, maxPool2dGeometry, maxPool2dOp, maxPool2dOutputShape, type MaxPool2dOptions } from './index';
import { maxPool2dBackwardReference, maxPool2dReference } from './reference';

interface Case extends MaxPool2dOptions {
  readonly x: [number, number, number, number];
}

// Batch 1 and 3, odd sizes, overlapping windows (kernel 3 stride 2), padding, stride != kernel.
// kernel == stride without padding takes the disjoint backward: odd inputs leave a last row and
// column outside every window, 1x1 planes, rectangular kernels, an exact tiling. Rows of 18 and 13
// outputs end in partial 8-output runs (forward and disjoint backward); 35 rows of 3 runs span two
// 64-run workgroups.
const CASES: Case[] = [
  { x: [2, 3, 70, 37], kernelSize: 2 },
  { x: [1, 2, 7, 13], kernelSize: 3, stride: 1, padding: 1 },
  { x: [1, 1, 7, 9], kernelSize: 2 },
  { x: [3, 2, 5, 4], kernelSize: [2, 3] },
  { x: [2, 3, 1, 1], kernelSize: 1 },
  { x: [1, 2, 8, 6], kernelSize: 2 },
  { x: [2, 1, 9, 7], kernelSize: 3, stride: 2 },
  { x: [3, 2, 11, 8], kernelSize: 3, stride: 2, padding: 1 },
  { x: [1, 3, 13, 10], kernelSize: [3, 2], stride: [1, 3], padding: [1, 0] },
  { x: [3, 1, 9, 12], kernelSize: 5, stride: 3, padding: 2 },
  { x: [2, 4, 6, 5], kernelSize: 1, stride: 2 },
];

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const { gradAtol = 0, gradRtol = 0 } = maxPool2dOp.tolerance;

/** Small integers: many ties inside every window. */
function tied(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => Math.floor(rand() * 3));
}

describe('max_pool2d reference', () => {
  it('backward matches finite differences with a random upstream gradient, overlapping windows', () => {
    const g = maxPool2dGeometry([2, 2, 7, 6], { kernelSize: 3, stride: 2, padding: 1 });
    // Distinct values, so a small step never changes an argmax.
    const x = randomArray(2 * 2 * 7 * 6, 5);
    const upstream = randomArray(count(maxPool2dOutputShape(g)), 6);
    const { indices } = maxPool2dReference(g, x);
    const numeric = numericGradient((p) => maxPool2dReference(g, p).output, x, upstream);
    expectClose(maxPool2dBackwardReference(g, upstream, indices), numeric, 1e-6, 1e-5, 'gradInput');
  });

  it('gives ties to the first maximal element in the window, skipping padding (PyTorch)', () => {
    const g = maxPool2dGeometry([1, 1, 3, 3], { kernelSize: 2, stride: 1, padding: 1 });
    const { output, indices } = maxPool2dReference(g, new Float64Array(9).fill(1));
    expect([...output]).toEqual(new Array(16).fill(1));
    expect([...indices]).toEqual([0, 0, 1, 2, 0, 0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8]);
  });

  it('takes the disjoint backward only when kernel == stride without padding', () => {
    expect(isDisjoint(maxPool2dGeometry([1, 1, 7, 9], { kernelSize: 2 }))).toBe(true);
    expect(isDisjoint(maxPool2dGeometry([1, 1, 7, 9], { kernelSize: [2, 3] }))).toBe(true);
    expect(isDisjoint(maxPool2dGeometry([1, 1, 7, 9], { kernelSize: 3, stride: 2 }))).toBe(false);
    expect(isDisjoint(maxPool2dGeometry([1, 1, 7, 9], { kernelSize: 1, stride: 2 }))).toBe(false);
    expect(isDisjoint(maxPool2dGeometry([1, 1, 7, 9], { kernelSize: 2, padding: 1 }))).toBe(false);
  });

  it('follows PyTorch\'s output size and its padding limit', () => {
    expect(maxPool2dOutputShape(maxPool2dGeometry([1, 1, 26, 26], { kernelSize: 2 }))).toEqual([1, 1, 13, 13]);
    expect(maxPool2dOutputShape(maxPool2dGeometry([1, 1, 11, 8], { kernelSize: 3, stride: 2, padding: 1 }))).toEqual([1, 1, 6, 4]);
    expect(() => maxPool2dGeometry([1, 1, 8, 8], { kernelSize: 2, padding: 2 })).toThrow(/over half/);
  });
});

describeGpu('max_pool2d on the GPU', (gpu) => {
  for (const c of CASES) {
    const name = `x [${c.x}] k ${String(c.kernelSize)} s ${String(c.stride ?? c.kernelSize)} p ${String(c.padding ?? 0)}`;
    for (const [kind, make] of [['random', (n: number) => randomArray(n, 7)], ['tied', (n: number) => tied(n, 8)]] as const) {
      itGpu(`matches the reference, output, indices and gradInput (${kind} values): ${name}`, async () => {
        const ctx = gpu();
        const g = maxPool2dGeometry(c.x, c);
        const xs = make(count(c.x));
        const expected = maxPool2dReference(g, xs);
        const up = randomArray(expected.output.length, 9);
        const x = fromData(ctx, xs, c.x, 'x');
        const { output, indices } = maxPool2d(ctx, x, c);
        expect(output.shape).toEqual(maxPool2dOutputShape(g));
        expect(indices.dtype).toBe('u32');
        expectClose(await toData(ctx, output), expected.output, 0, 0, 'output');
        expect([...(await toUint32(ctx, indices))]).toEqual([...expected.indices]);
        const gy = fromData(ctx, up, output.shape, 'gy');
        // A pooled buffer of gradInput's size left full of NaN: every element must be written.
        free(ctx, fromData(ctx, new Float32Array(count(c.x)).fill(NaN), c.x, 'dirty'));
        await ctx.sync();
        const gx = maxPool2dBackward(ctx, gy, indices, c.x, c);
        expectClose(await toData(ctx, gx), maxPool2dBackwardReference(g, up, expected.indices), gradAtol, gradRtol, 'gradInput');
        for (const a of [x, output, indices, gy, gx]) free(ctx, a);
      });
    }
  }
});
