/** The training loop on the GPU with a synthetic dataset: one submit per step, metrics per epoch. */
import { describe, expect } from 'vitest';
import { describeGpu, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData } from '@duet/kernels';
import { buildModel, getModel, makeSpec } from '@duet/models';
import type { Dataset } from '../src/train/datasets';
import { makeOptimizer, trainLoop } from '../src/train/engine';
import type { EpochLine } from '../src/train/metrics';

describe('engine', () => {
  describeGpu('trainLoop', (gpu) => {
    itGpu('submits once per training step, reads nothing back inside an epoch, and reports every epoch', async () => {
      const ctx = gpu();
      const def = getModel('audio-cnn');
      const spec = makeSpec(def, def.preprocessing({ samples: 1600 }), { ...def.recipe, epochs: 2, batchSize: 4, dropLast: false }, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      const example = spec.inputShape.reduce((a, b) => a * b, 1);
      const submitsAtBatch: number[] = [];
      const data = (n: number, training: boolean): Dataset => ({
        size: n,
        labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
        mode: 'test',
        batch: (indices) => {
          if (training) submitsAtBatch.push(ctx.submitCount);
          return fromData(ctx, randomArray(indices.length * example, indices[0]), [indices.length, ...spec.inputShape], 'x');
        },
        free: () => undefined,
      });
      const built = buildModel(ctx, spec, 3);
      const lines: EpochLine[] = [];
      const outcome = await trainLoop({
        ctx, built, optimizer: makeOptimizer(built, spec.recipe), spec, recipe: spec.recipe, seed: 1, train: data(10, true), test: data(5, false),
        startEpoch: 0, progress: null,
        hooks: { shouldStop: () => false, onEpoch: async (_, line) => void lines.push(line) },
      });
      expect(outcome).toBe('done');
      // The first batch is the eval-mode forward that picks kernel variants before training.
      submitsAtBatch.shift();
      // 3 steps per epoch (4 + 4 + 2): consecutive batches of an epoch are one submit apart.
      expect(submitsAtBatch).toHaveLength(6);
      for (const epoch of [0, 1]) {
        const s = submitsAtBatch.slice(3 * epoch, 3 * epoch + 3);
        expect([s[1] - s[0], s[2] - s[1]]).toEqual([1, 1]);
      }
      expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
      for (const l of lines) expect(Number.isFinite(l.train_loss) && Number.isFinite(l.test_loss)).toBe(true);
    });
  });
});
