import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData, type GpuArray } from '../../array';
import { batchNorm2d, batchNorm2dBackward, batchNorm2dOp } from './index';
import { batchNorm2dBackwardReference, batchNorm2dReference, type Shape4 } from './reference';
import torch from './batch_norm2d_torch.json';

const fixtureShape = torch.shape as unknown as Shape4;

describe('batch_norm2d reference', () => {
  const shape: Shape4 = [3, 2, 3, 1];
  const n = 18;
  const x = randomArray(n, 1, -2, 3);
  const weight = [0.7, -1.3];
  const bias = [0.2, -0.4];
  const upstream = randomArray(n, 2);
  const forward = (xs: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>) =>
    batchNorm2dReference(xs, shape, w, b, [0, 0], [1, 1], { training: true });
  const saved = forward(x, weight, bias);
  const grads = batchNorm2dBackwardReference(x, shape, upstream, weight, saved.mean, saved.invstd);

  it('gradInput matches finite differences with a random upstream gradient', () => {
    const numeric = numericGradient((p) => forward(p, weight, bias).output, x, upstream);
    expectClose(grads.gradInput, numeric, 1e-6, 1e-5, 'gradInput');
  });

  it('gradWeight and gradBias match finite differences', () => {
    expectClose(grads.gradWeight, numericGradient((p) => forward(x, p, bias).output, weight, upstream), 1e-6, 1e-5, 'gradWeight');
    expectClose(grads.gradBias, numericGradient((p) => forward(x, weight, p).output, bias, upstream), 1e-6, 1e-5, 'gradBias');
  });

  it('matches the PyTorch fixture: output, running stats, gradients and eval output', () => {
    const f = torch;
    const r = batchNorm2dReference(f.x, fixtureShape, f.weight, f.bias, f.runningMeanBefore, f.runningVarBefore, { training: true, momentum: f.momentum, eps: f.eps });
    expectClose(r.output, f.output, 1e-12, 1e-10, 'output');
    expectClose(r.runningMean, f.runningMeanAfter, 1e-12, 1e-10, 'runningMean');
    expectClose(r.runningVar, f.runningVarAfter, 1e-12, 1e-10, 'runningVar');
    const g = batchNorm2dBackwardReference(f.x, fixtureShape, f.gradOutput, f.weight, r.mean, r.invstd);
    expectClose(g.gradInput, f.gradInput, 1e-12, 1e-10, 'gradInput');
    expectClose(g.gradWeight, f.gradWeight, 1e-12, 1e-10, 'gradWeight');
    expectClose(g.gradBias, f.gradBias, 1e-12, 1e-10, 'gradBias');
    const e = batchNorm2dReference(f.x, fixtureShape, f.weight, f.bias, r.runningMean, r.runningVar, { training: false, eps: f.eps });
    expectClose(e.output, f.evalOutput, 1e-12, 1e-10, 'evalOutput');
  });
});

interface Case {
  readonly shape: Shape4;
  readonly offset?: number;
}

describeGpu('batch_norm2d on the GPU', (gpu) => {
  const { atol, rtol, gradAtol = atol, gradRtol = rtol } = batchNorm2dOp.tolerance;

  /** Uploads float32 inputs for `shape` and returns them with their host copies. */
  function setup(shape: Shape4, seed: number, offset = 0) {
    const ctx = gpu();
    const [b, c, h, w] = shape;
    const n = b * c * h * w;
    const host = {
      x: randomArray(n, seed, offset - 2, offset + 3),
      weight: randomArray(c, seed + 1, 0.5, 1.5),
      bias: randomArray(c, seed + 2),
      runningMean: randomArray(c, seed + 3, -0.2, 0.2),
      runningVar: randomArray(c, seed + 4, 0.5, 1.5),
      gradOutput: randomArray(n, seed + 5),
    };
    const gpuArrays = {
      x: fromData(ctx, host.x, shape, 'x'),
      weight: fromData(ctx, host.weight, [c], 'weight'),
      bias: fromData(ctx, host.bias, [c], 'bias'),
      runningMean: fromData(ctx, host.runningMean, [c], 'runningMean'),
      runningVar: fromData(ctx, host.runningVar, [c], 'runningVar'),
      gradOutput: fromData(ctx, host.gradOutput, shape, 'gradOutput'),
    };
    return { ctx, host, arrays: gpuArrays };
  }

  function freeAll(ctx: ReturnType<typeof gpu>, arrays: (GpuArray | null)[]): void {
    for (const a of arrays) if (a) free(ctx, a);
  }

  // B = 1 and 3, C = 1 and 5, odd H and W, H = W = 1 with B > 1, more than 256 values per
  // channel (the reduction's strided loop), and a large mean that a one-pass variance would lose.
  // Planes of 323 and 7 values: more than one 256-value chunk of the elementwise grid with a
  // partial last one, and the reductions' (plane, position) stepping across many small planes.
  // H*W % 4 == 0 takes the vec4 kernels: planes of 1, 5 and 264 vec4s (two 256-vec4 chunks).
  const cases: Case[] = [
    { shape: [1, 1, 3, 5] },
    { shape: [3, 5, 7, 3] },
    { shape: [4, 5, 1, 1] },
    { shape: [1, 5, 2, 3] },
    { shape: [3, 2, 13, 11] },
    { shape: [2, 3, 5, 5], offset: 300 },
    { shape: [2, 3, 17, 19] },
    { shape: [37, 2, 1, 7] },
    { shape: [5, 3, 2, 2] },
    { shape: [2, 3, 4, 5] },
    { shape: [2, 2, 33, 32] },
    // Around 100 rather than 300: float32's rounding of the mean alone (half an ulp of 300) is
    // already the 1e-5 tolerance there, whatever the summation order; a one-pass variance still fails.
    { shape: [2, 3, 4, 6], offset: 100 },
  ];
  for (const { shape, offset } of cases) {
    itGpu(`training forward, running stats and backward match the reference for [${shape.join(', ')}]${offset ? ` around ${offset}` : ''}`, async () => {
      const { ctx, host, arrays } = setup(shape, 11, offset);
      const result = batchNorm2d(ctx, arrays.x, arrays, { training: true, momentum: 0.2, eps: 1e-4 });
      const grads = batchNorm2dBackward(ctx, arrays.x, arrays.gradOutput, arrays.weight, result.saveMean!, result.saveInvstd!);
      const ref = batchNorm2dReference(host.x, shape, host.weight, host.bias, host.runningMean, host.runningVar, { training: true, momentum: 0.2, eps: 1e-4 });
      const refGrads = batchNorm2dBackwardReference(host.x, shape, host.gradOutput, host.weight, ref.mean, ref.invstd);
      expectClose(await toData(ctx, result.output), ref.output, atol, rtol, 'output');
      expectClose(await toData(ctx, result.saveMean!), ref.mean, atol, rtol, 'saveMean');
      expectClose(await toData(ctx, result.saveInvstd!), ref.invstd, atol, rtol, 'saveInvstd');
      expectClose(await toData(ctx, arrays.runningMean), ref.runningMean, atol, rtol, 'runningMean');
      expectClose(await toData(ctx, arrays.runningVar), ref.runningVar, atol, rtol, 'runningVar');
      expectClose(await toData(ctx, grads.gradInput), refGrads.gradInput, gradAtol, gradRtol, 'gradInput');
      expectClose(await toData(ctx, grads.gradWeight), refGrads.gradWeight, gradAtol, gradRtol, 'gradWeight');
      expectClose(await toData(ctx, grads.gradBias), refGrads.gradBias, gradAtol, gradRtol, 'gradBias');
      freeAll(ctx, [...Object.values(arrays), result.output, result.saveMean, result.saveInvstd, ...Object.values(grads)]);
    });
  }

  itGpu('eval forward uses the running stats and leaves them unchanged', async () => {
    const shape: Shape4 = [3, 5, 3, 7];
    const { ctx, host, arrays } = setup(shape, 21);
    const result = batchNorm2d(ctx, arrays.x, arrays, { training: false, eps: 1e-3 });
    expect(result.saveMean).toBeNull();
    const ref = batchNorm2dReference(host.x, shape, host.weight, host.bias, host.runningMean, host.runningVar, { training: false, eps: 1e-3 });
    expectClose(await toData(ctx, result.output), ref.output, atol, rtol, 'output');
    expect([...(await toData(ctx, arrays.runningMean))]).toEqual([...host.runningMean]);
    expect([...(await toData(ctx, arrays.runningVar))]).toEqual([...host.runningVar]);
    freeAll(ctx, [...Object.values(arrays), result.output]);
  });

  itGpu('matches the PyTorch fixture (one training step, its backward, then eval)', async () => {
    const ctx = gpu();
    const f = torch;
    const c = fixtureShape[1];
    const up = (values: number[], shape: readonly number[], label: string) => fromData(ctx, Float32Array.from(values), shape, label);
    const x = up(f.x, fixtureShape, 'x');
    const p = {
      weight: up(f.weight, [c], 'weight'),
      bias: up(f.bias, [c], 'bias'),
      runningMean: up(f.runningMeanBefore, [c], 'runningMean'),
      runningVar: up(f.runningVarBefore, [c], 'runningVar'),
    };
    const gradOutput = up(f.gradOutput, fixtureShape, 'gradOutput');
    const train = batchNorm2d(ctx, x, p, { training: true, momentum: f.momentum, eps: f.eps });
    const grads = batchNorm2dBackward(ctx, x, gradOutput, p.weight, train.saveMean!, train.saveInvstd!);
    const evalResult = batchNorm2d(ctx, x, p, { training: false, eps: f.eps });
    expectClose(await toData(ctx, train.output), f.output, atol, rtol, 'output');
    expectClose(await toData(ctx, p.runningMean), f.runningMeanAfter, atol, rtol, 'runningMean');
    expectClose(await toData(ctx, p.runningVar), f.runningVarAfter, atol, rtol, 'runningVar');
    expectClose(await toData(ctx, grads.gradInput), f.gradInput, gradAtol, gradRtol, 'gradInput');
    expectClose(await toData(ctx, grads.gradWeight), f.gradWeight, gradAtol, gradRtol, 'gradWeight');
    expectClose(await toData(ctx, grads.gradBias), f.gradBias, gradAtol, gradRtol, 'gradBias');
    expectClose(await toData(ctx, evalResult.output), f.evalOutput, atol, rtol, 'evalOutput');
    freeAll(ctx, [x, ...Object.values(p), gradOutput, train.output, train.saveMean, train.saveInvstd, ...Object.values(grads), evalResult.output]);
  });

  itGpu('refuses training with a single value per channel, like PyTorch, but evaluates it', async () => {
    const shape: Shape4 = [1, 3, 1, 1];
    const { ctx, host, arrays } = setup(shape, 31);
    expect(() => batchNorm2d(ctx, arrays.x, arrays, { training: true })).toThrow(/more than 1 value per channel/);
    const result = batchNorm2d(ctx, arrays.x, arrays, { training: false });
    const ref = batchNorm2dReference(host.x, shape, host.weight, host.bias, host.runningMean, host.runningVar, { training: false });
    expectClose(await toData(ctx, result.output), ref.output, atol, rtol, 'output');
    freeAll(ctx, [...Object.values(arrays), result.output]);
  });
});
