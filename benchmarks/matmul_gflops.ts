/**
 * Matmul throughput per variant on square sizes (and other shapes), and the variant the runtime picks.
 * Usage: node scripts/run-ts.mjs benchmarks/matmul_gflops.ts [--big] [--shapes MxKxN,…] [--reps N] [--variants a,b] [--fresh]
 *   --big       also 2048^3
 *   --shapes    more products, (M, K) @ (K, N), e.g. the models' 32x760x10,64x9216x128
 *   --reps N    timed repetitions per variant after one warm-up (median reported; default 5); the
 *               variants take turns, one repetition each, so a shared machine's drift hits all alike
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
    shapes: { type: 'string' },
    reps: { type: 'string', default: '5' },
    variants: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
const squares = (values.big ? [256, 512, 1024, 2048] : [256, 512, 1024]).map((size) => ({ m: size, n: size, k: size }));
const others = (values.shapes?.split(',') ?? []).map((s) => {
  const [m, k, n] = s.split('x').map(Number);
  if (![m, k, n].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`--shapes: '${s}' is not MxKxN`);
  return { m, n, k };
});
const SAMPLES = 64;

const ctx = await acquireGpu(values.fresh ? { tuning: new MemoryTuningStore() } : {});
const variants = (values.variants?.split(',') ?? availableMatmulVariants(ctx)) as MatmulVariant[];
for (const v of variants) if (!(MATMUL_VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant '${v}' (have ${MATMUL_VARIANTS.join(', ')})`);
const dropped = new Set<MatmulVariant>();
console.log(`adapter: ${ctx.adapter.name} (${ctx.adapter.backend}${ctx.adapter.isSoftware ? ', software' : ''}); median of ${reps} after 1 warm-up; ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`);
try {
  for (const shape of [...squares, ...others]) {
    const { m, n, k } = shape;
    const name = m === n && n === k ? `${m}^3` : `${m}x${k}x${n}`;
    const ad = randomArray(m * k, m + 3 * k);
    const bd = randomArray(k * n, m + 3 * k + 1);
    const a = fromData(ctx, ad, [m, k], 'bench.a');
    const b = fromData(ctx, bd, [k, n], 'bench.b');
    const c = fromData(ctx, new Float32Array(m * n), [m, n], 'bench.c');
    const timed = variants.filter((v) => !dropped.has(v));
    const record = (variant: MatmulVariant) => () => void matmul(ctx, a, b, { variant, out: c });
    const errors = new Map<MatmulVariant, number>();
    for (const variant of timed) {
      await ctx.time(record(variant));
      const error = sampledError(await toData(ctx, c), ad, bd, m, n, k);
      if (error > 1e-4) throw new Error(`${variant} at ${name}: sampled relative error ${error.toExponential(2)}`);
      errors.set(variant, error);
    }
    const times = new Map<MatmulVariant, number[]>(timed.map((v) => [v, []]));
    const cpuTimes = new Map<MatmulVariant, number[]>(timed.map((v) => [v, []]));
    for (let r = 0; r < reps; r++) {
      for (const variant of timed) {
        const before = process.cpuUsage();
        times.get(variant)!.push(await ctx.time(record(variant)));
        const used = process.cpuUsage(before);
        cpuTimes.get(variant)!.push((used.user + used.system) / 1e6);
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const flop = 2 * m * n * k;
    const row = variants.map((variant) => {
      if (dropped.has(variant)) return `${variant} skipped (>10x slower than the best at 1024)`;
      const t = median(times.get(variant)!);
      return (
        `${variant.padEnd(8)} ${(flop / t / 1e9).toFixed(2)} GFLOPS (${(t * 1e3).toFixed(1)} ms), ` +
        `${(flop / median(cpuTimes.get(variant)!) / 1e9).toFixed(2)} GFLOPS per CPU-second, sampled error ${errors.get(variant)!.toExponential(1)}`
      );
    });
    const before = matmulVariantFor(ctx, shape);
    console.log(`${name}:\n  ${row.join('\n  ')}`);
    const [picked] = await tuneMatmul(ctx, [shape], timed);
    console.log(`  runtime pick for class ${matmulShapeClass(shape)}: ${picked} (before tuning: ${before})`);
    const fastest = Math.min(...timed.map((v) => median(times.get(v)!)));
    if (name === '1024^3') for (const v of timed) if (median(times.get(v)!) > 10 * fastest) dropped.add(v);
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

/** Largest |c - exact| / sum |a_ip b_pj| over a seeded sample of entries, exact in float64. */
function sampledError(c: Float32Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number): number {
  const rand = seededRandom(m * 7 + n);
  let worst = 0;
  for (let s = 0; s < SAMPLES; s++) {
    const i = Math.floor(rand() * m);
    const j = Math.floor(rand() * n);
    let exact = 0;
    let scale = 0;
    for (let p = 0; p < k; p++) {
      exact += a[i * k + p] * b[p * n + j];
      scale += Math.abs(a[i * k + p] * b[p * n + j]);
    }
    worst = Math.max(worst, Math.abs(c[i * n + j] - exact) / scale);
  }
  return worst;
}
