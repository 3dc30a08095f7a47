/**
 * `peers`: the same matmuls and training workloads in jax-js (WebGPU), TensorFlow.js (WebGPU
 * and CPU) and PyTorch (CPU, one thread), with Duet in the same run, turns alternating between
 * impls. Start-up rows (first step cold/warm) per impl unless --quick or --no-startup.
 */
import { fromData, free, matmul } from '@duet/kernels';
import { checkMatmul, seededValues } from '../check';
import { jaxMatmul, loadJax } from '../peers/jax';
import { loadTf, tfMatmul } from '../peers/tfjs';
import { TorchPeer, torchUnavailable } from '../peers/torch';
import { measureStartup } from '../startup';
import { trainerFor } from '../trainers';
import { measureTraining, trainingPlan } from '../training';
import { gpuTimer, stats } from '../timing';
import { IMPLS, skippedRow, type Impl, type Row, type Suite, type SuiteContext } from '../types';
import { TRAIN_WORKLOADS, type Trainer } from '../workloads';

interface MatmulRunner {
  readonly impl: Impl;
  readonly backend: string;
  /** Seconds of one forced product. */
  once(): Promise<number>;
  /** The product, for the check. */
  result(): Promise<ArrayLike<number>>;
  dispose(): void;
}

export const peersSuite: Suite = {
  name: 'peers',
  describe: 'matmul and training in jax-js, TensorFlow.js (WebGPU, CPU), PyTorch CPU, beside Duet',
  async run(s) {
    const missingTorch = s.options.impls.includes('pytorch-cpu') ? torchUnavailable() : 'not asked for (--impls)';
    if (missingTorch) s.log(`peers: PyTorch rows skipped: ${missingTorch}`);
    else s.log('peers: PyTorch CPU runs with torch.set_num_threads(1)');
    const torch = missingTorch ? null : new TorchPeer();
    try {
      const sizes = s.options.quick ? [256] : [256, 512, 1024, 2048];
      for (const n of sizes) if (s.wants(`matmul-${n}`)) await matmulRows(s, n, torch);
      for (const w of TRAIN_WORKLOADS) {
        if (s.options.quick && w.name === 'mnist-cnn') continue;
        const trainers = IMPLS.filter((impl) => impl === 'duet' || s.options.impls.includes(impl)).map((impl) => trainerFor(impl, { ctx: s.ctx, dawnAdapter: s.dawnAdapter, torch })).filter((t): t is Trainer => t !== null);
        // tfjs-cpu trains at a few samples/s here: it alone would take --quick past its budget.
        const slow = s.options.quick && s.wants(w.name) ? trainers.filter((t) => t.impl === 'tfjs-cpu') : [];
        for (const t of slow) s.emit(skippedRow({ suite: 'peers', workload: w.name, impl: t.impl, backend: t.backend, unit: 'samples/s', note: 'left out of --quick (a few samples/s)' }));
        trainers.splice(0, trainers.length, ...trainers.filter((t) => !slow.includes(t)));
        if (s.wants(w.name)) await measureTraining(s, 'peers', w, trainers, trainingPlan(s.options.quick, w));
        if (!s.options.noStartup && s.wants(`${w.name}:first-step`)) for (const t of trainers) measureStartup(s, 'peers', t.impl, w.name);
      }
    } finally {
      torch?.close();
    }
  },
};

async function matmulRows(s: SuiteContext, n: number, torch: TorchPeer | null): Promise<void> {
  const reps = s.options.quick ? 3 : n >= 2048 ? 3 : 5;
  const workload = `matmul-${n}`;
  const flops = 2 * n ** 3;
  const runners: MatmulRunner[] = [];
  const failed = (impl: Impl, backend: string, error: unknown) =>
    s.emit({ suite: 'peers', workload, impl, backend, unit: 'GFLOPS', min: null, median: null, max: null, status: 'failed', note: `could not run: ${(error as Error).message.split('\n')[0]}` });
  runners.push(duetMatmul(s, n));
  const webgpu = `webgpu (${s.dawnAdapter.name})`;
  const asked = (impl: Impl) => s.options.impls.includes(impl);
  if (asked('jax-webgpu')) {
    try {
      runners.push({ impl: 'jax-webgpu', backend: webgpu, ...(await jaxMatmul(await loadJax(s.dawnAdapter), n)) });
    } catch (error) {
      failed('jax-webgpu', webgpu, error);
    }
  }
  for (const backend of ['webgpu', 'cpu'] as const) {
    const impl = backend === 'webgpu' ? 'tfjs-webgpu' : 'tfjs-cpu';
    if (!asked(impl)) continue;
    try {
      const tf = await loadTf(s.dawnAdapter, backend);
      const runner = await tfMatmul(tf, n);
      // Each turn switches tfjs's global backend to the one its tensors live on.
      runners.push({
        impl, backend: backend === 'webgpu' ? webgpu : 'cpu (JS)',
        once: async () => (await loadTf(s.dawnAdapter, backend), runner.once()),
        result: async () => (await loadTf(s.dawnAdapter, backend), runner.result()),
        dispose: runner.dispose,
      });
    } catch (error) {
      failed(impl, backend, error);
    }
  }
  // Warm-up turn, then `reps` turns round-robin.
  const times = new Map<MatmulRunner, number[]>(runners.map((r) => [r, []]));
  for (const r of runners) await r.once();
  for (let rep = 0; rep < reps; rep++) for (const r of runners) times.get(r)!.push(await r.once());
  const a = seededValues(n * n, 1);
  const b = seededValues(n * n, 2);
  for (const r of runners) {
    const wrong = checkMatmul(a, b, await r.result(), n, n, n);
    r.dispose();
    s.emit(gflopsRow(workload, r.impl, r.backend, stats(times.get(r)!), flops, wrong));
  }
  if (torch) {
    const answer = await torch.request<{ seconds: number[]; wrong: string | null }>({ cmd: 'matmul', n, reps, warmup: 1 });
    s.emit(gflopsRow(workload, 'pytorch-cpu', 'cpu (1 thread)', stats(answer.seconds), flops, answer.wrong));
  }
}

function duetMatmul(s: SuiteContext, n: number): MatmulRunner {
  const { ctx } = s;
  const a = fromData(ctx, seededValues(n * n, 1), [n, n], 'bench.a');
  const b = fromData(ctx, seededValues(n * n, 2), [n, n], 'bench.b');
  const c = fromData(ctx, new Float32Array(n * n), [n, n], 'bench.c');
  const timer = gpuTimer(ctx);
  return {
    impl: 'duet',
    backend: ctx.adapter.name,
    once: () => timer.time(() => matmul(ctx, a, b, { out: c })),
    result: () => ctx.readFloat32(c.buffer, n * n),
    dispose: () => {
      timer.dispose();
      for (const x of [a, b, c]) free(ctx, x);
    },
  };
}

function gflopsRow(workload: string, impl: Impl, backend: string, seconds: { min: number; median: number; max: number }, flops: number, wrong: string | null): Row {
  return {
    suite: 'peers', workload, impl, backend, unit: 'GFLOPS',
    min: flops / seconds.max / 1e9, median: flops / seconds.median / 1e9, max: flops / seconds.min / 1e9,
    status: wrong ? 'failed' : 'passed', ...(wrong ? { note: wrong } : {}),
  };
}
