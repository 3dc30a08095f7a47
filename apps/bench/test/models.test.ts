import { describeGpu, itGpu } from '@duet/gpu/testing';
import { describe, expect, it } from 'vitest';
import { epochRows } from '../src/duet/fsdd_epoch';
import { audioCnnWorkload, duetModelTrainer, fusionWorkload, type ModelWorkload } from '../src/duet/models';

describe('the packages/models workloads', () => {
  it('take their shapes from the registry: audio-cnn (1, 40, 101), fusion packed 784 + 4040', () => {
    expect(audioCnnWorkload().input).toEqual([1, 40, 101]);
    expect(audioCnnWorkload().batch).toBe(32);
    expect(audioCnnWorkload().lr).toBe(0.003);
    expect(fusionWorkload().input).toEqual([28 * 28 + 40 * 101]);
  });
});

describeGpu('duetModelTrainer (tiny batches)', (gpu) => {
  // Batch 3: odd, and small enough for lavapipe; 3 Adam steps on a fixed batch must lower its loss.
  const cases: [string, () => ModelWorkload][] = [
    ['audio-cnn', () => audioCnnWorkload(3)],
    ['fusion', () => fusionWorkload(3)],
  ];
  for (const [name, workload] of cases) {
    itGpu(`${name}: builds, trains, and the loss falls`, async () => {
      const session = await duetModelTrainer(gpu()).create(workload());
      try {
        const before = await session.loss();
        await session.run(3);
        const after = await session.loss();
        expect(Number.isFinite(before) && Number.isFinite(after)).toBe(true);
        expect(after).toBeLessThan(before);
      } finally {
        session.dispose();
      }
    }, 120_000);
  }
});

describe('lab-cnn:fsdd-epoch rows', () => {
  const base = { suite: 'train', workload: 'lab-cnn:fsdd-epoch', impl: 'duet' as const, backend: 'b' };
  const line = { train_loss: 1.2, test_loss: 0.9, test_acc: 0.7, seconds: 30, samples_per_s: 120 };

  it('gives samples/s and seconds from the metrics line', () => {
    const [rate, seconds] = epochRows(base, line, 45);
    expect(rate).toMatchObject({ unit: 'samples/s', min: 120, median: 120, max: 120, status: 'passed' });
    expect(seconds).toMatchObject({ unit: 's', median: 30, status: 'passed' });
  });
  it('fails an epoch with a non-finite loss or chance accuracy', () => {
    expect(epochRows(base, { ...line, train_loss: NaN }, 45).map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(epochRows(base, { ...line, test_acc: 0.1 }, 45)[0].note).toMatch(/not above chance/);
  });
});
