/**
 * Profile of one Duet training step of a peers workload (lab-cnn by default): the dispatches a
 * step records, what each costs on the GPU alone, the JS time to record a step and to submit it,
 * the whole step, and the buffers / bind groups / queue writes a step makes (0 when the pool and
 * the bind group cache hold). A one-off measuring tool, not a suite:
 *   node scripts/run-ts.mjs apps/bench/src/profile_step.ts [lab-cnn|mnist-cnn] [steps]
 * NOTE: each dispatch is replayed alone `REPLAYS` times in one submit, so its figure leaves out the
 * per-submit cost the step pays once; the sum is a lower bound of the GPU part of a step.
 */
import { acquireGpu, type Binding, type Kernel, type ParamValues } from '@duet/gpu/node';
import { duetTrainer } from './duet/train';
import { stats } from './timing';
import { TRAIN_WORKLOADS } from './workloads';

const REPLAYS = 20;
const WARMUP = 30;

interface Recorded {
  readonly kernel: Kernel;
  readonly bindings: Readonly<Record<string, Binding>>;
  readonly params: ParamValues | null;
  readonly workgroups: readonly number[];
}

/** Replaces obj[method] with a wrapper that calls `before` first; returns the undo. */
function wrap(obj: object, method: string, before: (...args: unknown[]) => void): () => void {
  const target = obj as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method];
  target[method] = function (this: unknown, ...args: unknown[]) {
    before(...args);
    return original.apply(this, args);
  };
  return () => (target[method] = original);
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'lab-cnn';
  const steps = Number(process.argv[3] ?? 60);
  const w = TRAIN_WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no workload '${name}' (${TRAIN_WORKLOADS.map((x) => x.name).join(', ')})`);
  const ctx = await acquireGpu();
  const session = await duetTrainer(ctx).create(w);
  await session.run(1);
  await session.tune?.();
  await session.run(WARMUP);

  // One step with counters: its dispatches, and the device calls it makes.
  const recorded: Recorded[] = [];
  const counts = { createBuffer: 0, createBindGroup: 0, writeBuffer: 0 };
  const dispatch = ctx.dispatch.bind(ctx);
  const undo = [
    wrap(ctx.device, 'createBuffer', () => counts.createBuffer++),
    wrap(ctx.device, 'createBindGroup', () => counts.createBindGroup++),
    wrap(ctx.device.queue, 'writeBuffer', () => counts.writeBuffer++),
    wrap(ctx, 'dispatch', (kernel, bindings, params, workgroups) => recorded.push({ kernel, bindings, params, workgroups } as Recorded)),
  ];
  await session.run(1);
  for (const u of undo) u();

  // Step phases: JS recording (until the flush), the flush (finish + submit), the wait.
  const record: number[] = [];
  const submit: number[] = [];
  const whole: number[] = [];
  const flush = ctx.flush.bind(ctx);
  let start = 0;
  let flushed = false;
  // The step's own flush ends the recording; the one inside sync() finds nothing recorded.
  ctx.flush = () => {
    const t = performance.now();
    flush();
    if (flushed) return;
    flushed = true;
    record.push(t - start);
    submit.push(performance.now() - t);
  };
  for (let i = 0; i < steps; i++) {
    flushed = false;
    start = performance.now();
    await session.run(1);
    whole.push(performance.now() - start);
  }
  ctx.flush = flush;
  const median = (xs: number[]) => stats(xs).median;
  console.log(`${name}: ${recorded.length} dispatches per step; device calls per step: ${JSON.stringify(counts)}`);
  console.log(`step (1 step per sync): median ${median(whole).toFixed(2)} ms; JS recording ${median(record).toFixed(2)} ms; finish + submit ${median(submit).toFixed(2)} ms`);

  let sum = 0;
  for (const r of recorded) {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) times.push((await ctx.time(() => { for (let i = 0; i < REPLAYS; i++) dispatch(r.kernel, r.bindings, r.params, r.workgroups); })) / REPLAYS);
    const ms = median(times) * 1000;
    sum += ms;
    console.log(`  ${`${r.kernel.key} [${r.workgroups.join(',')}]`.padEnd(92)} ${ms.toFixed(3)} ms`);
  }
  console.log(`sum of the dispatches alone: ${sum.toFixed(2)} ms`);
  session.dispose();
  ctx.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
