import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu } from '@duet/gpu/testing';
import { fromData } from '@duet/kernels';
import * as F from '../src/index';
import { noGrad, record, Scope, Tensor } from '../src/index';
import { gradcheck, input } from './gradcheck';

describe('noGrad', () => {
  it('restores grad mode when fn throws', () => {
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(F.isGradEnabled()).toBe(true);
  });
});

describeGpu('tape: forward and backward of each op vs finite differences', (gpu) => {
  const unaries = [
    ['relu', F.relu, -1, 1],
    ['exp', F.exp, -1, 1],
    ['log', F.log, 0.5, 2],
    ['sqrt', F.sqrt, 0.5, 2],
    ['sigmoid', F.sigmoid, -2, 2],
    ['tanh', F.tanh, -2, 2],
    ['neg', F.neg, -1, 1],
    ['square', F.square, -1, 1],
    ['scale', (x: Tensor) => F.scale(x, -0.7, 0.3), -1, 1],
  ] as const;
  itGpu('unary ops', async () => {
    for (const [name, fn, lo, hi] of unaries) {
      await gradcheck(gpu(), ([x]) => fn(x), [input([2, 3], 1, lo, hi, 0.05)], name);
    }
  });

  itGpu('binary ops with broadcasting reduce each gradient to its input shape', async () => {
    const ctx = gpu();
    await gradcheck(ctx, ([a, b]) => F.add(a, b), [input([2, 3], 1), input([3], 2)], 'add (2,3)+(3)');
    await gradcheck(ctx, ([a, b]) => F.sub(a, b), [input([2, 1, 3], 3), input([4, 1], 4)], 'sub (2,1,3)-(4,1)');
    await gradcheck(ctx, ([a, b]) => F.mul(a, b), [input([1, 3], 5), input([2, 1], 6)], 'mul (1,3)*(2,1)');
    await gradcheck(ctx, ([a, b]) => F.div(a, b), [input([2, 3], 7), input([2, 3], 8, 0.5, 1.5)], 'div');
    await gradcheck(ctx, ([a, b]) => F.pow(a, b), [input([3], 9, 0.5, 1.5), input([3], 10)], 'pow');
    await gradcheck(ctx, ([a, b]) => F.maximum(a, b), [input([2, 3], 11), input([3], 12)], 'maximum');
    await gradcheck(ctx, ([a]) => F.sub(2, F.div(F.mul(a, 3), 4)), [input([5], 13)], 'scalar operands');
  });

  itGpu('reductions', async () => {
    const ctx = gpu();
    await gradcheck(ctx, ([x]) => F.sum(x, { axis: 1 }), [input([2, 3, 2], 1)], 'sum axis 1');
    await gradcheck(ctx, ([x]) => F.mean(x, { axis: -1, keepdim: true }), [input([3, 4], 2)], 'mean keepdim');
    await gradcheck(ctx, ([x]) => F.max(x, { axis: 0 }), [input([3, 2], 3)], 'max axis 0');
    await gradcheck(ctx, ([x]) => F.sum(x), [input([2, 3], 4)], 'sum of everything');
  });

  itGpu('layout ops: reshape, flatten, transpose, concat, slice', async () => {
    const ctx = gpu();
    await gradcheck(ctx, ([x]) => F.mul(F.reshape(x, [3, -1]), F.reshape(x, [3, 2])), [input([2, 3], 1)], 'reshape used twice');
    await gradcheck(ctx, ([x]) => F.flatten(x), [input([1, 2, 2, 3], 2)], 'flatten');
    await gradcheck(ctx, ([x]) => F.transpose(x), [input([2, 3], 3)], 'transpose');
    await gradcheck(ctx, ([a, b]) => F.concat([a, b, a], 1), [input([2, 1], 4), input([2, 3], 5)], 'concat');
    await gradcheck(ctx, ([x]) => F.slice(x, 1, 1, 3), [input([2, 4, 2], 6)], 'slice');
  });

  itGpu('matmul with transposes and linear with bias and fused relu', async () => {
    const ctx = gpu();
    await gradcheck(ctx, ([a, b]) => F.matmul(a, b), [input([2, 3], 1), input([3, 4], 2)], 'matmul');
    await gradcheck(ctx, ([a, b]) => F.matmul(a, b, { transposeA: true, transposeB: true }), [input([3, 2], 3), input([4, 3], 4)], 'matmul^T^T');
    await gradcheck(ctx, ([a, b]) => F.matmul(a, b), [input([2, 2, 3], 11), input([2, 3, 1], 12)], 'batched matmul');
    await gradcheck(ctx, ([x, w, b]) => F.linear(x, w, b), [input([3, 5], 5), input([2, 5], 6), input([2], 7)], 'linear');
    await gradcheck(ctx, ([x, w]) => F.linear(x, w), [input([2, 1, 3], 13), input([4, 3], 14)], 'linear over a 3-D input, no bias');
    await gradcheck(ctx, ([x, w, b]) => F.linear(x, w, b, { activation: 'relu' }), [input([3, 5], 8), input([4, 5], 9), input([4], 10, -1, 1, 0.3)], 'linear+relu');
  });
});

describeGpu('tape semantics', (gpu) => {
  itGpu('accumulates the gradient of a tensor used twice, and across backward calls', async () => {
    const ctx = gpu();
    const x = Tensor.from(ctx, [1, -2, 3], [3], true);
    const y = F.sum(F.add(F.mul(x, x), x)); // d/dx = 2x + 1
    y.backward();
    expectClose(await ctx.readFloat32(x.grad!.buffer, 3), [3, -3, 7], 1e-6, 0, 'grad of x*x + x');
    F.sum(F.mul(x, 2)).backward();
    expectClose(await ctx.readFloat32(x.grad!.buffer, 3), [5, -1, 9], 1e-6, 0, 'grad accumulated over two backward() calls');
    x.free();
  });

  itGpu('records nothing under noGrad', () => {
    const ctx = gpu();
    const x = Tensor.from(ctx, [1, 2], [2], true);
    const y = noGrad(() => F.mul(x, x));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() => y.backward()).toThrow(/does not require grad/);
    expect(F.mul(x, x).requiresGrad).toBe(true);
    x.free();
    y.free();
  });

  itGpu('throws naming the op when a node has no backward', () => {
    const ctx = gpu();
    const x = Tensor.from(ctx, [1, 2], [2], true);
    const y = record('mystery', fromData(ctx, new Float32Array([0]), [1], 'y'), [x], null);
    expect(() => y.backward()).toThrow("no backward for op 'mystery'");
  });

  itGpu('needs a gradient for a non-scalar root', () => {
    const ctx = gpu();
    const x = Tensor.from(ctx, [1, 2], [2], true);
    expect(() => F.mul(x, x).backward()).toThrow(/one-element/);
  });

  itGpu('a scope returns every intermediate buffer to the pool; parameters and grads stay', async () => {
    const ctx = gpu();
    const w = Tensor.from(ctx, [0.5, -1, 2, 1, 0, 3], [2, 3], true);
    await ctx.sync();
    const before = ctx.poolStats.bytesInUse;
    for (let step = 0; step < 3; step++) {
      const scope = new Scope();
      const loss = scope.run(() => {
        const x = Tensor.from(ctx, [1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
        return F.mean(F.relu(F.matmul(x, F.reshape(F.transpose(w), [3, 2]))));
      });
      loss.backward();
      await loss.item();
      scope.release();
      expect(w.grad?.shape).toEqual([2, 3]);
      w.clearGrad();
      expect(ctx.poolStats.bytesInUse, `bytes in use after step ${step}`).toBe(before);
    }
    expect(w.isLeaf).toBe(true);
    w.free();
  });

  itGpu('keeps what the scope is told to keep; views and detached tensors never free the data they view', async () => {
    const ctx = gpu();
    const w = Tensor.from(ctx, [1, 2, 3, 4], [2, 2], true);
    await ctx.sync();
    const before = ctx.poolStats.bytesInUse;
    const scope = new Scope();
    const [kept, view, detached] = scope.run(() => [scope.keep(F.mul(w, 2)), F.reshape(w, [4]), w.detach()]);
    scope.release();
    expect(ctx.poolStats.bytesInUse).toBe(before + kept.data.buffer.size);
    expect(view.ownsData).toBe(false);
    expect(detached.requiresGrad).toBe(false);
    expect([...(await w.toArray())]).toEqual([1, 2, 3, 4]);
    expect([...(await kept.toArray())]).toEqual([2, 4, 6, 8]);
    kept.free();
    w.free();
  });
});
