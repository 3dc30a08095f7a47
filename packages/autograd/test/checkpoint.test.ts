import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu } from '@duet/gpu/testing';
import type { GpuContext } from '@duet/gpu';
import { Adam, crossEntropy, Linear, ReLU, Rng, Scope, Sequential, Tensor, type Optimizer } from '../src/index';
import { decodeCheckpoint, loadCheckpoint, loadWeights, saveCheckpoint, saveWeights, writeFileAtomic, type AtomicFs } from '../src/node';

const tempDir = () => mkdtempSync(join(tmpdir(), 'duet-checkpoint-'));

describe('writeFileAtomic', () => {
  it('replaces the file whole', () => {
    const dir = tempDir();
    const path = join(dir, 'ckpt.safetensors');
    writeFileSync(path, 'old');
    writeFileAtomic(path, new TextEncoder().encode('new contents'));
    expect(readFileSync(path, 'utf8')).toBe('new contents');
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
  });

  for (const failing of ['writeSync', 'fsyncSync', 'renameSync'] as const) {
    it(`leaves the old file and no temp file when ${failing} fails`, () => {
      const dir = tempDir();
      const path = join(dir, 'ckpt.safetensors');
      writeFileSync(path, 'old');
      const fs: AtomicFs = {
        ...nodeFs,
        [failing]: () => {
          throw new Error(`${failing}: ENOSPC (injected)`);
        },
      };
      expect(() => writeFileAtomic(path, new Uint8Array(1000).fill(7), fs)).toThrow(/ENOSPC/);
      expect(readFileSync(path, 'utf8')).toBe('old');
      expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
    });
  }
});

describeGpu('checkpoints', (gpu) => {
  const model = (ctx: GpuContext, seed: number) => new Sequential(ctx, new Linear(ctx, 4, 6, { rng: new Rng(seed) }), new ReLU(ctx), new Linear(ctx, 6, 3, { rng: new Rng(seed + 1) }));
  const x = [0.5, -1, 2, 0.1, 1.5, 0.3, -0.7, 0.9, -2, 1, 0, 0.4];
  const labels = new Uint32Array([2, 0, 1]);
  async function step(ctx: GpuContext, m: Sequential, opt: Optimizer): Promise<number> {
    const scope = new Scope();
    const loss = scope.run(() => crossEntropy(m.forward(Tensor.from(ctx, x, [3, 4])), labels));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const value = await loss.item();
    scope.release();
    return value;
  }

  itGpu('resuming from a checkpoint continues training exactly (weights, Adam state, epoch, rng, config)', async () => {
    const ctx = gpu();
    const path = join(tempDir(), 'run.safetensors');
    const a = model(ctx, 1);
    const optA = new Adam(a.parameters(), { lr: 0.05 });
    await step(ctx, a, optA);
    await step(ctx, a, optA);
    await saveCheckpoint(path, { module: a, optimizer: optA, epoch: 2, rng: { shuffle: 1234 }, config: { model: 'mlp', lr: 0.05 } });
    const expected = [await step(ctx, a, optA), await step(ctx, a, optA)];

    const b = model(ctx, 99);
    const optB = new Adam(b.parameters(), { lr: 0.05 });
    const restored = loadCheckpoint(path, { module: b, optimizer: optB });
    expect(restored.epoch).toBe(2);
    expect(restored.rng).toEqual({ shuffle: 1234 });
    expect(restored.config).toEqual({ model: 'mlp', lr: 0.05 });
    expectClose([await step(ctx, b, optB), await step(ctx, b, optB)], expected, 1e-6, 1e-6, 'losses after resuming');
    for (const m of [a, b]) m.free();
    for (const o of [optA, optB]) o.free();
  });

  itGpu('a failed checkpoint write leaves the previous checkpoint loadable', async () => {
    const ctx = gpu();
    const path = join(tempDir(), 'run.safetensors');
    const m = model(ctx, 3);
    await saveCheckpoint(path, { module: m, epoch: 1 });
    const failing: AtomicFs = { ...nodeFs, fsyncSync: () => { throw new Error('EIO (injected)'); } };
    await expect(saveCheckpoint(path, { module: m, epoch: 2 }, failing)).rejects.toThrow(/EIO/);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(path)), path).epoch).toBe(1);
    m.free();
  });

  itGpu('weights alone round-trip through a .safetensors file', async () => {
    const ctx = gpu();
    const path = join(tempDir(), 'weights.safetensors');
    const a = model(ctx, 5);
    await saveWeights(path, a);
    const b = model(ctx, 6);
    loadWeights(path, b);
    const [sa, sb] = [await a.stateDict(), await b.stateDict()];
    for (const [name, t] of sa) expect([...sb.get(name)!.data], name).toEqual([...t.data]);
    expect(existsSync(path)).toBe(true);
    a.free();
    b.free();
  });
});
