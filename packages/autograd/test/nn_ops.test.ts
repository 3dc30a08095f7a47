import { describeGpu, itGpu } from '@duet/gpu/testing';
import { fromData, zeros } from '@duet/kernels';
import * as F from '../src/index';
import { gradcheck, input } from './gradcheck';

describeGpu('tape: nn ops vs finite differences', (gpu) => {
  itGpu('softmax and logSoftmax over the last axis', async () => {
    const ctx = gpu();
    await gradcheck(ctx, ([x]) => F.softmax(x), [input([2, 5], 1, -2, 2)], 'softmax');
    await gradcheck(ctx, ([x]) => F.logSoftmax(x), [input([3, 4], 2, -2, 2)], 'logSoftmax');
  });

  itGpu('conv2d with stride, padding, bias and a fused relu', async () => {
    const ctx = gpu();
    await gradcheck(ctx, ([x, w, b]) => F.conv2d(x, w, b, { stride: 2, padding: 1 }), [input([1, 2, 5, 4], 1), input([3, 2, 3, 3], 2), input([3], 3)], 'conv2d s2 p1');
    await gradcheck(ctx, ([x, w]) => F.conv2d(x, w, undefined, { stride: 3 }), [input([2, 1, 5, 5], 4), input([2, 1, 2, 2], 5)], 'conv2d s3 no bias');
    await gradcheck(ctx, ([x, w, b]) => F.conv2d(x, w, b, { relu: true }), [input([1, 1, 4, 5], 6), input([2, 1, 3, 3], 7), input([2], 8, -1, 1, 0.5)], 'conv2d+relu');
    // A first layer: no gradient to x, so the relu mask and the bias fold into gradWeight. x is
    // small (|w.x| <= 9 * 0.05 < the bias's 0.5 gap), so no finite difference crosses the relu's kink.
    const first = { ...input([3, 1, 9, 8], 9, -0.05, 0.05), constant: true };
    await gradcheck(ctx, ([x, w, b]) => F.conv2d(x, w, b, { relu: true, stride: 2 }), [first, input([4, 1, 3, 3], 10), input([4], 11, -1, 1, 0.5)], 'first conv2d+relu');
  });

  itGpu('crossEntropy (mean, sum and label smoothing) and dropout', async () => {
    const ctx = gpu();
    const labels = new Uint32Array([2, 0, 3]);
    await gradcheck(ctx, ([x]) => F.crossEntropy(x, labels), [input([3, 4], 1, -2, 2)], 'crossEntropy mean');
    await gradcheck(ctx, ([x]) => F.crossEntropy(x, labels, { reduction: 'sum', labelSmoothing: 0.1 }), [input([3, 4], 2, -2, 2)], 'crossEntropy sum smoothed');
    await gradcheck(ctx, ([x]) => F.dropout(x, { p: 0.4, seed: 7, step: 3 }), [input([5, 7], 3)], 'dropout');
  });

  itGpu('maxPool2d with stride and padding', async () => {
    // Distinct values spaced 0.05 apart, so no finite-difference step crosses a window's max.
    const n = 2 * 2 * 5 * 5;
    const order = input([n], 1).values;
    const ranks = Float32Array.from([...order.keys()].sort((a, b) => order[a] - order[b])).map((r) => (r - n / 2) * 0.05);
    await gradcheck(gpu(), ([x]) => F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), [{ values: ranks, shape: [2, 2, 5, 5] }], 'maxPool2d k3 s2 p1');
    await gradcheck(gpu(), ([x]) => F.maxPool2d(x, { kernelSize: 2 }), [{ values: ranks, shape: [1, 4, 5, 5] }], 'maxPool2d k2');
  });

  itGpu('batchNorm2d in training mode', async () => {
    const ctx = gpu();
    const runningMean = zeros(ctx, [3], 'runningMean');
    const runningVar = fromData(ctx, new Float32Array([1, 1, 1]), [3], 'runningVar');
    await gradcheck(
      ctx,
      ([x, w, b]) => F.batchNorm2d(x, w, b, runningMean, runningVar, { training: true }),
      [input([2, 3, 2, 3], 1, -2, 2), input([3], 2, 0.5, 1.5), input([3], 3)],
      'batchNorm2d',
    );
  });
});
