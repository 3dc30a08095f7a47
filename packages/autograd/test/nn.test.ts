import { describe, expect, it } from 'vitest';
import { describeGpu, itGpu } from '@duet/gpu/testing';
import { BatchNorm2d, Conv2d, Dropout, Flatten, kaimingUniform, Linear, noGrad, ReLU, Rng, Sequential, SGD, Tensor } from '../src/index';
import * as F from '../src/index';

describe('initialisation and the generator', () => {
  it('kaiming_uniform_(a = sqrt(5)) stays inside ±1/sqrt(fanIn) and fills it', () => {
    const w = kaimingUniform(new Rng(1), [40, 25]);
    const bound = 1 / Math.sqrt(25);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
  });

  it('restores the generator exactly from its state', () => {
    const rng = new Rng(42);
    rng.next();
    const state = rng.getState();
    const a = [rng.next(), rng.next()];
    rng.setState(state);
    expect([rng.next(), rng.next()]).toEqual(a);
    expect(() => rng.setState(-1)).toThrow(/u32/);
  });
});

describeGpu('nn modules', (gpu) => {
  itGpu('names parameters and buffers as PyTorch does, nested', () => {
    const ctx = gpu();
    const features = new Sequential(ctx, new Conv2d(ctx, 1, 2, 3), new BatchNorm2d(ctx, 2), new ReLU(ctx), new Flatten(ctx));
    class Net extends F.Module {
      readonly features = this.child('features', features);
      readonly head = this.child('head', new Linear(ctx, 8, 3, { bias: false }));
      forward(x: Tensor): Tensor {
        return this.head.forward(this.features.forward(x));
      }
    }
    const net = new Net(ctx);
    expect(net.namedState().map(([n]) => n)).toEqual([
      'features.0.weight', 'features.0.bias', 'features.1.weight', 'features.1.bias', 'features.1.running_mean', 'features.1.running_var', 'head.weight',
    ]);
    expect(net.parameters()).toHaveLength(5);
    expect(net.eval().training).toBe(false);
    expect(features.layers.every((m) => !m.training)).toBe(true);
    net.free();
  });

  itGpu('initialises Linear and Conv2d biases from the fan-in, BatchNorm to identity', async () => {
    const ctx = gpu();
    const conv = new Conv2d(ctx, 3, 4, [2, 3], { rng: new Rng(3) });
    const bound = 1 / Math.sqrt(3 * 2 * 3);
    for (const v of [...(await conv.weight.toArray()), ...(await conv.bias!.toArray())]) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    const bn = new BatchNorm2d(ctx, 3);
    expect([...(await bn.weight.toArray())]).toEqual([1, 1, 1]);
    expect([...(await bn.runningVar.toArray())]).toEqual([1, 1, 1]);
    conv.free();
    bn.free();
  });

  itGpu('loadStateDict rejects missing, unexpected and misshapen entries', () => {
    const ctx = gpu();
    const lin = new Linear(ctx, 2, 3);
    const good = { shape: [3, 2], data: new Float32Array(6) };
    expect(() => lin.loadStateDict(new Map([['weight', good]]))).toThrow(/missing keys \[bias\]/);
    expect(() => lin.loadStateDict(new Map([['weight', good], ['bias', { shape: [3], data: new Float32Array(3) }], ['extra', good]]))).toThrow(/unexpected keys \[extra\]/);
    expect(() => lin.loadStateDict(new Map([['weight', { shape: [2, 3], data: new Float32Array(6) }]]), false)).toThrow(/shape \[2, 3\].*\[3, 2\]/);
    lin.free();
  });

  itGpu('Dropout is the identity in eval mode and zeroes about p of the elements in training', async () => {
    const ctx = gpu();
    const drop = new Dropout(ctx, 0.25, { rng: new Rng(9) });
    const x = Tensor.from(ctx, new Float32Array(400).fill(1), [400]);
    expect(drop.eval().forward(x)).toBe(x);
    const y = await drop.train().forward(x).toArray();
    const zeroes = y.filter((v) => v === 0).length;
    expect(zeroes).toBeGreaterThan(60);
    expect(zeroes).toBeLessThan(140);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(drop.calls).toBe(1);
  });

  itGpu('steps of SGD lower the loss of a small MLP without leaking buffers, and zeroGrad clears gradients', async () => {
    const ctx = gpu();
    const rng = new Rng(5);
    const model = new Sequential(ctx, new Linear(ctx, 4, 8, { rng }), new ReLU(ctx), new Linear(ctx, 8, 3, { rng }));
    const opt = new SGD(model.parameters(), { lr: 0.5 });
    const x = Tensor.from(ctx, Array.from({ length: 20 }, (_, i) => Math.sin(i)), [5, 4]);
    const labels = new Uint32Array([0, 1, 2, 1, 0]);
    const losses: number[] = [];
    const inUse: number[] = [];
    for (let step = 0; step < 4; step++) {
      const scope = new F.Scope();
      const loss = scope.run(() => F.crossEntropy(model.forward(x), labels));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(await loss.item());
      scope.release();
      inUse.push(ctx.poolStats.bytesInUse);
    }
    expect(losses[3]).toBeLessThan(losses[0]);
    // After each step only parameters, their gradients and x hold buffers: nothing leaks.
    expect(inUse).toEqual([inUse[0], inUse[0], inUse[0], inUse[0]]);
    opt.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    expect(noGrad(() => model.forward(x)).requiresGrad).toBe(false);
    model.free();
    opt.free();
  });
});
