/**
 * Matmul throughput per variant on square sizes, and the variant the runtime picks.
 * Usage: node scripts/run-ts.mjs benchmarks/matmul_gflops.ts [--big] [--reps N] [--variants a,b] [--fresh]
 *   --big       also 2048^3
 *   --reps N    timed repetitions per measurement after one warm-up (median reported; default 5)
 *   --variants  which variants to time (default: every one this device can run)
 *   --fresh     tune in memory instead of reading/writing the on-disk tuning cache
 * Each result is checked against a float64 CPU product on a sample of entries. A variant more
 * than 10x slower than the best at 1024 is not timed at 2048 (on lavapipe the naive and tiled
 * kernels would take minutes there).
 * Besides wall-clock GFLOPS it prints GFLOPS per CPU-second of this process (lavapipe's threads
 * are ours): on a machine shared with other work that figure, times the core count, estimates the
 * wall-clock rate of a quiet machine.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { acquireGpu, MemoryTuningStore } from '@duet/gpu/node';
import { fromData, free, toData } from '../packages/kernels/src/array';
import { availableMatmulVariants, MATMUL_VARIANTS, matmul, matmulShapeClass, matmulVariantFor, tuneMatmul, type MatmulVariant } from '../packages/kernels/src/ops/matmul/index';

const { values } = parseArgs({
  options: {
    big: { type: 'boolean', default: false },
    reps: { type: 'string', default: '5' },
    variants: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
const sizes = values.big ? [256, 512, 1024, 2048] : [256, 512, 1024];
const SAMPLES = 64;

const ctx = await acquireGpu(values.fresh ? { tuning: new MemoryTuningStore() } : {});
const variants = (values.variants?.split(',') ?? availableMatmulVariants(ctx)) as MatmulVariant[];
for (const v of variants) if (!(MATMUL_VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant '${v}' (have ${MATMUL_VARIANTS.join(', ')})`);
const dropped = new Set<MatmulVariant>();
console.log(`adapter: ${ctx.adapter.name} (${ctx.adapter.backend}${ctx.adapter.isSoftware ? ', software' : ''}); median of ${reps} after 1 warm-up; ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`);
try {
  for (const size of sizes) {
    const [m, n, k] = [size, size, size];
    const ad = randomArray(m * k, size);
    const bd = randomArray(k * n, size + 1);
    const a = fromData(ctx, ad, [m, k], 'bench.a');
    const b = fromData(ctx, bd, [k, n], 'bench.b');
    const c = fromData(ctx, new Float32Array(m * n), [m, n], 'bench.c');
    const row: string[] = [];
    const seconds = new Map<MatmulVariant, number>();
    for (const variant of variants) {
      if (dropped.has(variant)) {
        row.push(`${variant} skipped (>10x slower than the best at 1024)`);
        continue;
      }
      const record = () => void matmul(ctx, a, b, { variant, out: c });
      await ctx.time(record);
      const error = sampledError(await toData(ctx, c), ad, bd, size);
      if (error > 1e-4) throw new Error(`${variant} at ${size}: sampled relative error ${error.toExponential(2)}`);
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let r = 0; r < reps; r++) {
        const before = process.cpuUsage();
        times.push(await ctx.time(record));
        const used = process.cpuUsage(before);
        cpuTimes.push((used.user + used.system) / 1e6);
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
      const flop = 2 * m * n * k;
      seconds.set(variant, median(times));
      row.push(
        `${variant.padEnd(8)} ${(flop / median(times) / 1e9).toFixed(2)} GFLOPS (${(median(times) * 1e3).toFixed(1)} ms), ` +
          `${(flop / median(cpuTimes) / 1e9).toFixed(2)} GFLOPS per CPU-second, sampled error ${error.toExponential(1)}`,
      );
    }
    const shape = { m, n, k };
    const before = matmulVariantFor(ctx, shape);
    console.log(`${size}^3:\n  ${row.join('\n  ')}`);
    const [picked] = await tuneMatmul(ctx, [shape], variants.filter((v) => !dropped.has(v)));
    console.log(`  runtime pick for class ${matmulShapeClass(shape)}: ${picked} (before tuning: ${before})`);
    const fastest = Math.min(...seconds.values());
    if (size === 1024) for (const [variant, s] of seconds) if (s > 10 * fastest) dropped.add(variant);
    for (const x of [a, b, c]) free(ctx, x);
  }
} finally {
  ctx.dispose();
}

/** Seeded uniform floats in [-1, 1) (mulberry32, as in the test helpers, which import vitest). */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomArray(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * rand() - 1);
}

/** Largest |c - exact| / sum |a_ik b_kj| over a seeded sample of entries, exact in float64. */
function sampledError(c: Float32Array, a: Float32Array, b: Float32Array, size: number): number {
  const rand = seededRandom(size * 7);
  let worst = 0;
  for (let s = 0; s < SAMPLES; s++) {
    const i = Math.floor(rand() * size);
    const j = Math.floor(rand() * size);
    let exact = 0;
    let scale = 0;
    for (let p = 0; p < size; p++) {
      exact += a[i * size + p] * b[p * size + j];
      scale += Math.abs(a[i * size + p] * b[p * size + j]);
    }
    worst = Math.max(worst, Math.abs(c[i * size + j] - exact) / scale);
  }
  return worst;
}
