import { describe, expect, it } from 'vitest';
import { sizeOf } from '@duet/gpu';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '../../array';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward, softmaxOp, type SoftmaxStrategy } from './index';
import { softmaxBackwardReference, softmaxReference } from './reference';

// One element, one row, a classifier's 10 classes, cols just past a workgroup width (33, 257),
// cols above the widest workgroup (300), a 3-D batch, and more rows than a 64-row workgroup.
const SHAPES = [[1, 1], [1, 10], [7, 10], [3, 33], [2, 257], [2, 300], [2, 3, 5], [67, 10]];

describe('softmax reference', () => {
  for (const log of [false, true]) {
    const name = log ? 'logSoftmax' : 'softmax';
    it(`${name} backward matches finite differences with a random upstream gradient`, () => {
      const shape = [3, 7];
      const x = randomArray(21, 1, -3, 3);
      const upstream = randomArray(21, 2);
      const analytic = softmaxBackwardReference(softmaxReference(x, shape, log), shape, upstream, log);
      const numeric = numericGradient((p) => softmaxReference(p, shape, log), x, upstream);
      expectClose(analytic, numeric, 1e-6, 1e-5, `${name} gradient`);
    });
  }

  it('rows of softmax sum to one and log-softmax is its log', () => {
    const x = randomArray(12, 3, -5, 5);
    const p = softmaxReference(x, [3, 4]);
    const logP = softmaxReference(x, [3, 4], true);
    for (let r = 0; r < 3; r++) expect(p[4 * r] + p[4 * r + 1] + p[4 * r + 2] + p[4 * r + 3]).toBeCloseTo(1, 12);
    expectClose(logP, p.map(Math.log), 1e-12, 1e-12, 'log');
  });
});

describeGpu('softmax on the GPU', (gpu) => {
  for (const shape of SHAPES) {
    itGpu(`matches the reference, forward and backward, on [${shape}]`, async () => {
      const ctx = gpu();
      const { atol, rtol, gradAtol = atol, gradRtol = rtol } = softmaxOp.tolerance;
      const n = sizeOf(shape);
      const xs = randomArray(n, 3, -4, 4);
      const up = randomArray(n, 4);
      const x = fromData(ctx, xs, shape, 'x');
      const g = fromData(ctx, up, shape, 'g');
      for (const strategy of ['rows', 'workgroup'] as SoftmaxStrategy[]) {
        for (const log of [false, true]) {
          const name = `${log ? 'logSoftmax' : 'softmax'} (${strategy})`;
          const y = log ? logSoftmax(ctx, x, { strategy }) : softmax(ctx, x, { strategy });
          const ys = await toData(ctx, y);
          expectClose(ys, softmaxReference(xs, shape, log), atol, rtol, `${name} forward`);
          const gx = log ? logSoftmaxBackward(ctx, y, g, { strategy }) : softmaxBackward(ctx, y, g, { strategy });
          expectClose(await toData(ctx, gx), softmaxBackwardReference(ys, shape, up, log), gradAtol, gradRtol, `${name} backward`);
          free(ctx, y);
          free(ctx, gx);
        }
      }
      free(ctx, x);
      free(ctx, g);
    });
  }

  itGpu('stays finite for logits far beyond exp\'s float32 range', async () => {
    const ctx = gpu();
    const xs = new Float32Array([1000, 999, -1000, -50, -51, -3000]);
    const x = fromData(ctx, xs, [2, 3], 'x');
    for (const strategy of ['rows', 'workgroup'] as SoftmaxStrategy[]) {
      expectClose(await toData(ctx, logSoftmax(ctx, x, { strategy })), softmaxReference(xs, [2, 3], true), 1e-4, 1e-6, `logSoftmax (${strategy})`);
      expectClose(await toData(ctx, softmax(ctx, x, { strategy })), softmaxReference(xs, [2, 3]), 1e-6, 1e-5, `softmax (${strategy})`);
    }
    free(ctx, x);
  });
});
