import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray, seededRandom } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import fixture from './cross_entropy.fixture.json';
import { crossEntropy, crossEntropyBackward, crossEntropyOp, type Reduction } from './index';
import { crossEntropyBackwardReference, crossEntropyReference } from './reference';

const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];

function randomLabels(n: number, classes: number, seed: number): Uint32Array {
  const rand = seededRandom(seed);
  return Uint32Array.from({ length: n }, () => Math.floor(rand() * classes));
}

describe('cross_entropy reference', () => {
  it.each(fixture.cases.map((c) => [c.reduction, c.labelSmoothing, c] as const))('matches torch (%s, label smoothing %s)', (reduction, labelSmoothing, golden) => {
    const options = { reduction: reduction as Reduction, labelSmoothing };
    const [, classes] = fixture.shape;
    expectClose(crossEntropyReference(fixture.logits, fixture.labels, classes, options), golden.loss, 1e-12, 1e-10, 'loss');
    expectClose(crossEntropyBackwardReference(fixture.logits, fixture.labels, classes, golden.gradOutput, options), golden.gradLogits, 1e-12, 1e-10, 'gradLogits');
  });

  for (const reduction of REDUCTIONS) {
    it(`backward matches finite differences with a random upstream gradient (${reduction}, smoothing 0.1)`, () => {
      const [rows, classes] = [4, 6];
      const options = { reduction, labelSmoothing: 0.1 };
      const x = randomArray(rows * classes, 1, -3, 3);
      const labels = randomLabels(rows, classes, 2);
      const upstream = randomArray(reduction === 'none' ? rows : 1, 3);
      const analytic = crossEntropyBackwardReference(x, labels, classes, upstream, options);
      const numeric = numericGradient((p) => crossEntropyReference(p, labels, classes, options), x, upstream);
      expectClose(analytic, numeric, 1e-6, 1e-5, 'gradLogits');
    });
  }
});

describeGpu('cross_entropy on the GPU', (gpu) => {
  // Batch 1, one class, a classifier's 10 classes, more rows than a 64-wide workgroup, many
  // classes; 4097 rows take the two-kernel mean/sum (above cross_entropy_reduce's one workgroup).
  for (const [rows, classes] of [[1, 10], [3, 1], [7, 10], [65, 3], [4, 300], [4097, 2]]) {
    itGpu(`matches the reference for every reduction and smoothing on (${rows}, ${classes})`, async () => {
      const ctx = gpu();
      const { atol, rtol, gradAtol = atol, gradRtol = rtol } = crossEntropyOp.tolerance;
      const xs = randomArray(rows * classes, 4, -4, 4);
      const labelValues = randomLabels(rows, classes, 5);
      const logits = fromData(ctx, xs, [rows, classes], 'logits');
      const labels = fromData(ctx, labelValues, [rows], 'labels');
      for (const reduction of REDUCTIONS) {
        for (const labelSmoothing of [0, 0.1]) {
          const options = { reduction, labelSmoothing };
          const what = `${reduction}, eps ${labelSmoothing}`;
          const up = randomArray(reduction === 'none' ? rows : 1, 6);
          const gradOutput = fromData(ctx, up, reduction === 'none' ? [rows] : [], 'gradOutput');
          const loss = crossEntropy(ctx, logits, labels, options);
          expect(loss.shape).toEqual(reduction === 'none' ? [rows] : []);
          expectClose(await toData(ctx, loss), crossEntropyReference(xs, labelValues, classes, options), atol, rtol, `loss (${what})`);
          const grad = crossEntropyBackward(ctx, logits, labelValues, gradOutput, options);
          expectClose(await toData(ctx, grad), crossEntropyBackwardReference(xs, labelValues, classes, up, options), gradAtol, gradRtol, `gradLogits (${what})`);
          for (const t of [gradOutput, loss, grad]) free(ctx, t);
        }
      }
      free(ctx, logits);
      free(ctx, labels);
    });
  }

  itGpu('matches the torch fixture', async () => {
    const ctx = gpu();
    const logits = fromData(ctx, Float32Array.from(fixture.logits), fixture.shape, 'logits');
    const labels = Uint32Array.from(fixture.labels);
    for (const golden of fixture.cases) {
      const options = { reduction: golden.reduction as Reduction, labelSmoothing: golden.labelSmoothing };
      const gradOutput = fromData(ctx, Float32Array.from(golden.gradOutput), [golden.gradOutput.length], 'gradOutput');
      expectClose(await toData(ctx, crossEntropy(ctx, logits, labels, options)), golden.loss, 1e-5, 1e-5, `loss ${golden.reduction}`);
      expectClose(await toData(ctx, crossEntropyBackward(ctx, logits, labels, gradOutput, options)), golden.gradLogits, 1e-6, 1e-5, `grad ${golden.reduction}`);
    }
  });

  itGpu('rejects host labels out of range and clamps GPU labels instead of reading past the row', async () => {
    const ctx = gpu();
    const logits = fromData(ctx, Float32Array.from(fixture.logits), fixture.shape, 'logits');
    expect(() => crossEntropy(ctx, logits, Uint32Array.from([3, 0, 7, 3, 1]))).toThrow(/label 7 at sample 2/);
    const wild = fromData(ctx, Uint32Array.from([3, 0, 99, 3, 1]), [5], 'labels');
    const clamped = crossEntropy(ctx, logits, wild, { reduction: 'none' });
    const expected = crossEntropyReference(fixture.logits, [3, 0, 6, 3, 1], 7, { reduction: 'none' });
    expectClose(await toData(ctx, clamped), expected, 1e-5, 1e-5, 'clamped losses');
  });
});
