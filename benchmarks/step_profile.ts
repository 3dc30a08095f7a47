/**
 * Where one training step's time goes, kernel by kernel: builds a registered model, runs warm
 * steps (Adam, cross-entropy on a fixed batch), reports ms per step and samples/s, then replays
 * every dispatch of one step alone (each in its own submit, timed to onSubmittedWorkDone) and
 * sums the times by kernel name. Replayed alone, small kernels pay a submit each, so the sum is
 * an upper bound of the step; the ranking is what matters.
 * Usage: node scripts/run-ts.mjs benchmarks/step_profile.ts [model] [batch]
 *   model: mnist-cnn (default), audio-cnn, lab-cnn, audio-gru; batch default 128.
 * Kernel variants: as tuned in the store (DUET_CACHE), else the untuned defaults.
 */
import { acquireGpu } from '@duet/gpu/node';
import { Adam, crossEntropy, Rng, Scope, Tensor } from '@duet/autograd';
import { getModel } from '@duet/models';
import type { GpuContext } from '@duet/gpu';

const INPUTS: Record<string, number[]> = { 'mnist-cnn': [1, 28, 28], 'audio-cnn': [1, 40, 101], 'audio-gru': [1, 40, 101], 'lab-cnn': [1, 128, 241] };
const which = process.argv[2] ?? 'mnist-cnn';
const batch = Number(process.argv[3] ?? 128);
const input = INPUTS[which];
if (!input) throw new Error(`step_profile: unknown model '${which}' (known: ${Object.keys(INPUTS).join(', ')})`);

const ctx = await acquireGpu();
const { module } = getModel(which).build(ctx, input, new Rng(1));
const opt = new Adam(module.parameters(), { lr: 0.001 });
const perExample = input.reduce((a, b) => a * b, 1);
const x = Tensor.from(ctx, Float32Array.from({ length: batch * perExample }, (_, i) => Math.sin(i)), [batch, ...input]);
const labels = Uint32Array.from({ length: batch }, (_, i) => i % 10);

function step(): void {
  const scope = new Scope();
  const loss = scope.run(() => crossEntropy(module.forward(x), labels));
  opt.zeroGrad();
  loss.backward();
  opt.step();
  scope.release();
}

for (let i = 0; i < 2; i++) { step(); await ctx.sync(); }
const steps = 3;
const start = performance.now();
for (let i = 0; i < steps; i++) { step(); await ctx.sync(); }
const ms = (performance.now() - start) / steps;
console.log(`${which}, batch ${batch} on ${ctx.adapter.name}: ${ms.toFixed(1)} ms per step, ${((batch * 1000) / ms).toFixed(1)} samples/s`);

type Dispatch = Parameters<GpuContext['dispatch']>;
const recorded: Dispatch[] = [];
const dispatch = ctx.dispatch.bind(ctx);
ctx.dispatch = (...args: Dispatch) => { recorded.push(args); dispatch(...args); };
step();
await ctx.sync();
ctx.dispatch = dispatch;

const byKernel = new Map<string, { ms: number; count: number }>();
let total = 0;
for (const args of recorded) {
  const seconds = await ctx.time(() => dispatch(...args));
  const entry = byKernel.get(args[0].name) ?? { ms: 0, count: 0 };
  entry.ms += seconds * 1000;
  entry.count++;
  total += seconds * 1000;
  byKernel.set(args[0].name, entry);
}
console.log(`${recorded.length} dispatches replayed one by one: ${total.toFixed(1)} ms`);
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${e.ms.toFixed(1).padStart(9)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} % ${String(e.count).padStart(4)}x  ${name}`);
}
ctx.dispose();
