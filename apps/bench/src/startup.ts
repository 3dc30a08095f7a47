/**
 * Start-up cost: the time to build a model and finish its first training step, in a fresh
 * child process, cold (MESA_SHADER_CACHE_DISABLE=true: every shader compiled from scratch) and
 * warm (Mesa's disk cache filled by a previous child). The child is this same bundle, run as
 * `bench.js --first-step <impl> <workload> <dawn backend> <dawn adapter>`; it prints {"seconds"}.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { acquireGpu } from '@duet/gpu/node';
import { TorchPeer, torchUnavailable } from './peers/torch';
import { trainerFor } from './trainers';
import { IMPLS, type Impl, type SuiteContext } from './types';
import { TRAIN_WORKLOADS } from './workloads';

export const FIRST_STEP_FLAG = '--first-step';

/** The child's side: build, one step, print the seconds. */
export async function firstStepChild(args: readonly string[]): Promise<number> {
  const [impl, workloadName, backend, name] = args;
  const w = TRAIN_WORKLOADS.find((x) => x.name === workloadName);
  if (!w || !(IMPLS as readonly string[]).includes(impl)) throw new Error(`${FIRST_STEP_FLAG}: unknown impl or workload (${args.join(' ')})`);
  const ctx = await acquireGpu({ adapter: process.env.DUET_ADAPTER });
  const torch = impl === 'pytorch-cpu' ? new TorchPeer() : null;
  try {
    const trainer = trainerFor(impl as Impl, { ctx, dawnAdapter: { backend, name }, torch });
    if (!trainer) throw new Error(`${impl} is not available here`);
    await trainer.activate?.();
    const start = performance.now();
    const session = await trainer.create(w);
    await session.run(1);
    const seconds = (performance.now() - start) / 1000;
    process.stdout.write(`${JSON.stringify({ seconds })}\n`);
    return 0;
  } finally {
    torch?.close();
    ctx.dispose();
  }
}

/** The parent's side: one cold and one warm child for (impl, workload), as rows in seconds. */
export function measureStartup(s: SuiteContext, suite: string, impl: Impl, workload: string): void {
  if (impl === 'pytorch-cpu' && torchUnavailable()) return;
  const bundle = fileURLToPath(import.meta.url);
  const child = (cold: boolean) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DUET_ADAPTER: s.ctx.adapter.name };
    if (cold) env.MESA_SHADER_CACHE_DISABLE = 'true';
    else delete env.MESA_SHADER_CACHE_DISABLE;
    const run = spawnSync(process.execPath, [bundle, FIRST_STEP_FLAG, impl, workload, s.dawnAdapter.backend, s.dawnAdapter.name], { encoding: 'utf8', env, timeout: 600_000 });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    try {
      return { seconds: (JSON.parse(line) as { seconds: number }).seconds, error: null };
    } catch {
      return { seconds: null, error: (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n').slice(-1)[0] };
    }
  };
  const cold = child(true);
  // Fills Mesa's shader cache (if the cold child could not). The CPU impls compile no shaders,
  // and tfjs-cpu's first MNIST step takes minutes here: they go without.
  const cpu = impl === 'pytorch-cpu' || impl === 'tfjs-cpu';
  if (!cpu) child(false);
  const warm = child(false);
  const backend = impl === 'pytorch-cpu' ? 'cpu (1 thread)' : impl === 'tfjs-cpu' ? 'cpu (JS)' : s.ctx.adapter.name;
  for (const [label, result] of [['cold', cold], ['warm', warm]] as const) {
    s.emit({
      suite, workload: `${workload}:first-step-${label}`, impl, backend, unit: 's',
      min: result.seconds, median: result.seconds, max: result.seconds,
      status: result.seconds === null ? 'failed' : 'passed',
      note: result.seconds === null ? `child failed: ${result.error}` : label === 'cold' ? 'MESA_SHADER_CACHE_DISABLE=true; build + first step' : 'Mesa shader cache warm; build + first step',
    });
  }
}
