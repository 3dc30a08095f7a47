/**
 * Training throughput, measured the same way for every impl: build the session, warm up
 * (compiles, moves data), then turns of `steps` steps, each impl taking its turn in round-robin
 * so that the machine's drift hits every impl alike. samples/s = steps * batch / s, median over
 * the turns. Every impl takes at least `reps` turns; an impl whose turns add up to less than
 * `seconds` goes on taking turns (up to `maxReps`), so the fast impls (Duet, PyTorch: tens of ms
 * a turn, where one stall of a shared CPU moves a median of 3 by half) get a stable median while
 * the slow peers (seconds a turn) cost no more than before.
 * An impl whose warm-up steps took more than `slowStep` seconds each (TensorFlow.js's CPU backend:
 * about two minutes a step of the MNIST CNN here) takes turns of one step, and only until its turns
 * add up to `slowSeconds` (at least one turn): at 0.56 samples/s its 5 turns of 2 steps alone
 * took 19 of a 22-minute run. Its row's note says so.
 * Check: the loss on the fixed batch must be finite and lower after training than before.
 */
import { stats } from './timing';
import type { Row, SuiteContext } from './types';
import type { Trainer, TrainSession, Workload } from './workloads';

export interface TrainingPlan {
  readonly warmup: number;
  readonly steps: number;
  /** Turns every impl takes. */
  readonly reps: number;
  /** Turns an impl may take while its turns add up to less than `seconds`. */
  readonly maxReps: number;
  readonly seconds: number;
  /** Tune the session's kernels after the warm-up (then warm up again): not in --quick. */
  readonly tune: boolean;
  /** Seconds a warm-up step may take before the impl counts as slow (one-step turns). */
  readonly slowStep: number;
  /** A slow impl stops taking turns once they add up to this many seconds. */
  readonly slowSeconds: number;
}

/**
 * mnist-cnn takes at least 5 turns: with 3 (of about 1 s for Duet), one stalled turn of a shared
 * CPU moved Duet's median from 122 to 68 samples/s between two runs minutes apart.
 * lab-cnn (about 5 ms a step for Duet) takes turns of 20 steps, the others 5: a turn ends in a
 * wait for the GPU, and the next starts with an idle GPU while the first step is recorded, which
 * a training loop pays once, not every few steps. Duet's lab-cnn in turns of 5 steps ran at
 * 0.90-0.93x its speed in turns of 20 (lavapipe, 2 threads, alternating); PyTorch runs
 * synchronously and gains nothing.
 */
export function trainingPlan(quick: boolean, w: Workload): TrainingPlan {
  const slow = { slowStep: 10, slowSeconds: 60 };
  if (quick) return { warmup: 1, steps: 1, reps: 2, maxReps: 2, seconds: 0, tune: false, ...slow };
  return w.name === 'mnist-cnn'
    ? { warmup: 1, steps: 2, reps: 5, maxReps: 15, seconds: 5, tune: true, ...slow }
    : { warmup: 2, steps: w.name === 'lab-cnn' ? 20 : 5, reps: 3, maxReps: 25, seconds: 4, tune: true, ...slow };
}

export async function measureTraining<W extends Workload>(s: SuiteContext, suite: string, w: W, trainers: readonly Trainer<W>[], plan: TrainingPlan): Promise<void> {
  const live: { trainer: Trainer<W>; session: TrainSession; before: number; times: number[]; steps: number; slow: boolean }[] = [];
  for (const trainer of trainers) {
    try {
      await trainer.activate?.();
      const session = await trainer.create(w);
      const before = await session.loss();
      let start = performance.now();
      await session.run(plan.warmup);
      if (plan.tune && session.tune) {
        // The warm-up steps noted the shapes; the chosen kernels compile in a second warm-up.
        await session.tune();
        start = performance.now();
        await session.run(plan.warmup);
      }
      const slow = (performance.now() - start) / 1000 / plan.warmup > plan.slowStep;
      live.push({ trainer, session, before, times: [], steps: slow ? 1 : plan.steps, slow });
    } catch (error) {
      s.emit(failedRow(suite, w, trainer, `could not train: ${(error as Error).message.split('\n')[0]}`));
    }
  }
  const spent = (entry: (typeof live)[number]) => entry.times.reduce((a, b) => a + b, 0);
  const busy = (entry: (typeof live)[number]) =>
    entry.slow ? entry.times.length === 0 || (entry.times.length < plan.reps && spent(entry) < plan.slowSeconds)
      : entry.times.length < plan.reps || (entry.times.length < plan.maxReps && spent(entry) < plan.seconds);
  while (live.some(busy)) {
    for (const entry of live.filter(busy)) {
      await entry.trainer.activate?.();
      const start = performance.now();
      await entry.session.run(entry.steps);
      entry.times.push((performance.now() - start) / 1000);
    }
  }
  for (const { trainer, session, before, times, steps, slow } of live) {
    await trainer.activate?.();
    const after = await session.loss();
    session.dispose();
    const wrong = !Number.isFinite(before) || !Number.isFinite(after) ? `loss is not finite (${before} -> ${after})`
      : !(after < before) ? `loss did not fall on a fixed batch (${before.toFixed(4)} -> ${after.toFixed(4)})` : null;
    const seconds = stats(times);
    const work = steps * w.batch;
    s.emit({
      suite, workload: w.name, impl: trainer.impl, backend: trainer.backend, unit: 'samples/s',
      min: work / seconds.max, median: work / seconds.median, max: work / seconds.min,
      status: wrong ? 'failed' : 'passed',
      note: wrong ?? `loss ${before.toFixed(3)} -> ${after.toFixed(3)}; ${times.length}x${steps} steps after ${plan.warmup} warm-up${slow ? ` (over ${plan.slowStep} s a step: turns of one step, for ${plan.slowSeconds} s at most)` : ''}`,
    });
  }
}

function failedRow<W extends Workload>(suite: string, w: W, trainer: Trainer<W>, note: string): Row {
  return { suite, workload: w.name, impl: trainer.impl, backend: trainer.backend, unit: 'samples/s', min: null, median: null, max: null, status: 'failed', note };
}
