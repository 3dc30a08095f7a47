/**
 * Where a cold first step's time goes: lavapipe compiles a pipeline's LLVM code at its first
 * dispatch (on its one queue thread, so one after the other), not in createComputePipeline
 * (~15 ms each here). This records one training step of a peers workload without running it,
 * then runs each distinct pipeline's first dispatch alone twice: the first minus the second is
 * that pipeline's compile cost. Run it cold to see all of it:
 *   MESA_SHADER_CACHE_DISABLE=true node scripts/run-ts.mjs apps/bench/src/cold_probe.ts [lab-cnn|mnist-cnn]
 */
import { acquireGpu } from '@duet/gpu/node';
import { duetTrainer } from './duet/train';
import { TRAIN_WORKLOADS } from './workloads';
const name = process.argv[2] ?? 'lab-cnn';
const w = TRAIN_WORKLOADS.find((x) => x.name === name);
if (!w) throw new Error(`no workload '${name}' (${TRAIN_WORKLOADS.map((x) => x.name).join(', ')})`);
const ctx = await acquireGpu();
const session = await duetTrainer(ctx).create(w);
const orig = ctx.dispatch.bind(ctx);
// The step is recorded, not run: each dispatch's first run must be the one timed below.
const rec: Parameters<typeof ctx.dispatch>[] = [];
(ctx as unknown as { dispatch: (...a: Parameters<typeof ctx.dispatch>) => void }).dispatch = (...a) => rec.push(a);
await session.run(1);
(ctx as unknown as { dispatch: typeof orig }).dispatch = orig;
const seen = new Set<string>();
let total = 0;
const rows: [string, number][] = [];
for (const a of rec) {
  if (seen.has(a[0].key)) continue;
  seen.add(a[0].key);
  const cold = await ctx.time(() => orig(...a));
  const warm = await ctx.time(() => orig(...a));
  total += cold - warm;
  rows.push([a[0].key, cold - warm]);
}
rows.sort((x, y) => y[1] - x[1]);
console.log(`${rec.length} dispatches, ${seen.size} pipelines, first-dispatch extra ${total.toFixed(2)} s`);
for (const [k, s] of rows) console.log(s.toFixed(3).padStart(7), k);
ctx.dispose();
