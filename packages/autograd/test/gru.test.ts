import { expect } from 'vitest';
import { describeGpu, expectClose, itGpu } from '@duet/gpu/testing';
import { GRU, gru, gruHidden, noGrad, Rng, Scope, Tensor, type GruParameters } from '../src/index';
import * as F from '../src/index';
import torch from '../../kernels/src/ops/gru/gru_torch.json';
import { gradcheck, input } from './gradcheck';

/** Tensors in order x, then weight_ih, weight_hh, bias_ih, bias_hh per direction. */
function directionsOf(ts: Tensor[]): GruParameters[] {
  const out: GruParameters[] = [];
  for (let k = 1; k < ts.length; k += 4) out.push({ weightIh: ts[k], weightHh: ts[k + 1], biasIh: ts[k + 2], biasHh: ts[k + 3] });
  return out;
}

// (B, T, I, H) = (2, 3, 3, 2): small, since every input element costs two GPU forwards.
function gruInputs(dirs: number): ReturnType<typeof input>[] {
  const [b, t, i, h] = [2, 3, 3, 2];
  const inputs = [input([b, t, i], 1, -1.5, 1.5)];
  for (let d = 0; d < dirs; d++) inputs.push(input([3 * h, i], 10 * d + 2), input([3 * h, h], 10 * d + 3), input([3 * h], 10 * d + 4), input([3 * h], 10 * d + 5));
  return inputs;
}

describeGpu('tape: gru vs finite differences', (gpu) => {
  itGpu('gru output, one direction: gradients of x and all four parameters', async () => {
    await gradcheck(gpu(), (ts) => gru(ts[0], directionsOf(ts)), gruInputs(1), 'gru');
  });

  itGpu('gru output, bidirectional', async () => {
    await gradcheck(gpu(), (ts) => gru(ts[0], directionsOf(ts)), gruInputs(2), 'gru bidirectional');
  });

  itGpu('the final hidden state sliced from the output carries its gradient', async () => {
    await gradcheck(gpu(), (ts) => gruHidden(gru(ts[0], directionsOf(ts)), 2), gruInputs(2), 'gru hidden');
  });
});

describeGpu('GRU module', (gpu) => {
  itGpu('names and shapes its parameters as torch.nn.GRU, initialised within ±1/sqrt(H)', async () => {
    const ctx = gpu();
    const layer = new GRU(ctx, 5, 4, { bidirectional: true, rng: new Rng(2) });
    expect(layer.namedParameters().map(([n, t]) => `${n} [${t.shape.join(', ')}]`)).toEqual([
      'weight_ih_l0 [12, 5]', 'weight_hh_l0 [12, 4]', 'bias_ih_l0 [12]', 'bias_hh_l0 [12]',
      'weight_ih_l0_reverse [12, 5]', 'weight_hh_l0_reverse [12, 4]', 'bias_ih_l0_reverse [12]', 'bias_hh_l0_reverse [12]',
    ]);
    const values = (await Promise.all(layer.parameters().map((p) => p.toArray()))).flatMap((a) => [...a]);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.45);
    expect(new GRU(ctx, 5, 4).namedParameters()).toHaveLength(4);
    layer.free();
  });

  itGpu('loads a torch.nn.GRU state dict and gives its output and h_n (fixture from gen_gru.py)', async () => {
    const ctx = gpu();
    const [b, t, i, h] = torch.shape;
    for (const c of torch.cases) {
      const layer = new GRU(ctx, i, h, { bidirectional: c.bidirectional });
      const weights = c.weights as Record<string, number[]>;
      layer.loadStateDict(new Map(layer.namedParameters().map(([name, p]) => [name, { shape: p.shape, data: Float32Array.from(weights[name]) }])));
      const scope = new Scope();
      const { output, hidden } = scope.run(() => noGrad(() => layer.forwardWithHidden(Tensor.from(ctx, c.x, [b, t, i]))));
      expectClose(await output.toArray(), c.output, 1e-5, 1e-5, 'output');
      expectClose(await hidden.toArray(), c.hidden, 1e-5, 1e-5, 'hidden');
      expect(hidden.shape).toEqual([c.bidirectional ? 2 : 1, b, h]);
      scope.release();
      layer.free();
    }
  });

  itGpu('backward through the module fills every parameter gradient; the scope returns the pool to its level', async () => {
    const ctx = gpu();
    const layer = new GRU(ctx, 3, 4, { bidirectional: true, rng: new Rng(5) });
    await ctx.sync();
    const before = ctx.poolStats.bytesInUse;
    for (let step = 0; step < 2; step++) {
      const scope = new Scope();
      const loss = scope.run(() => {
        const { output, hidden } = layer.forwardWithHidden(Tensor.from(ctx, new Float32Array(2 * 5 * 3).map((_, k) => Math.sin(k)), [2, 5, 3]));
        return F.add(F.sum(output), F.sum(hidden));
      });
      loss.backward();
      await loss.item();
      scope.release();
      for (const p of layer.parameters()) expect(p.grad?.shape).toEqual(p.shape);
      layer.zeroGrad();
      expect(ctx.poolStats.bytesInUse, `bytes in use after step ${step}`).toBe(before);
    }
    layer.free();
  });
});
