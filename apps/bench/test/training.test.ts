import { describe, expect, it } from 'vitest';
import { measureTraining, type TrainingPlan } from '../src/training';
import type { Row, SuiteContext } from '../src/types';
import type { Trainer, TrainSession } from '../src/workloads';

/** A trainer whose steps take `stepMs` each and whose loss falls with every step. */
function fakeTrainer(impl: 'duet' | 'tfjs-cpu', stepMs: number): Trainer<{ name: string; batch: number }> & { steps: number[] } {
  const steps: number[] = [];
  return {
    impl,
    backend: 'fake',
    steps,
    async create(): Promise<TrainSession> {
      let done = 0;
      return {
        async run(n) {
          steps.push(n);
          done += n;
          await new Promise((resolve) => setTimeout(resolve, stepMs * n));
        },
        async loss() {
          return 2 / (1 + done);
        },
        dispose() {},
      };
    },
  };
}

function suiteContext(rows: Row[]): SuiteContext {
  return { emit: (row: Row) => rows.push(row), log: () => {}, wants: () => true } as unknown as SuiteContext;
}

describe('measureTraining', () => {
  it('gives an impl slower than slowStep one step per turn until slowSeconds, and says so', async () => {
    const plan: TrainingPlan = { warmup: 1, steps: 3, reps: 3, maxReps: 3, seconds: 0, tune: false, slowStep: 0.05, slowSeconds: 0.1 };
    const fast = fakeTrainer('duet', 1);
    const slow = fakeTrainer('tfjs-cpu', 80);
    const rows: Row[] = [];
    await measureTraining(suiteContext(rows), 'peers', { name: 'w', batch: 8 }, [fast, slow], plan);
    // Warm-up, then 3 turns of 3 steps for the fast one; one-step turns for the slow one until
    // they pass 0.1 s: two of 80 ms.
    expect(fast.steps).toEqual([1, 3, 3, 3]);
    expect(slow.steps).toEqual([1, 1, 1]);
    const [fastRow, slowRow] = rows;
    expect(fastRow.note).toMatch(/3x3 steps after 1 warm-up$/);
    expect(slowRow.note).toMatch(/2x1 steps after 1 warm-up \(over 0.05 s a step/);
    // samples/s counts the steps each turn really took: 8 samples in about 80 ms.
    expect(slowRow.median).toBeGreaterThan(50);
    expect(slowRow.median).toBeLessThan(105);
    expect(rows.every((r) => r.status === 'passed')).toBe(true);
  });
});
