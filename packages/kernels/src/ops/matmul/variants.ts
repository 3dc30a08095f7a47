/**
 * The matmul variants (same maths, different schedules) and how one is picked per adapter.
 * Choice: an explicit `variant` option; else what tuneMatmul measured on this adapter for the
 * shape's class (remembered in ctx.tuning); else the default: on software adapters (lavapipe,
 * SwiftShader: barriers are costly, loads are split per invocation) `packed` for large enough
 * products (PACKED_MIN_MACS, PACKED_MIN_REUSE) and `subgroup` below where subgroups can run, else
 * `register`; `tiled` on GPUs.
 */
import type { GpuContext } from '@duet/gpu';
import naiveSource from '@duet/shaders/matmul/naive.wgsl';
import packedSource from '@duet/shaders/matmul/packed.wgsl';
import registerSource from '@duet/shaders/matmul/register.wgsl';
import subgroupSource from '@duet/shaders/matmul/subgroup.wgsl';
import tiledSource from '@duet/shaders/matmul/tiled.wgsl';

export const MATMUL_VARIANTS = ['naive', 'tiled', 'register', 'subgroup', 'packed'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

/** How a variant is compiled and how its grid covers c. */
export interface VariantConfig {
  readonly source: string;
  /** Override values for the workgroup shape and tile size (transposes etc. are added per call). */
  readonly overrides: Readonly<Record<string, number>>;
  /** Columns and rows of c one workgroup covers. */
  readonly cover: readonly [number, number];
}

export const VARIANT_CONFIGS: Readonly<Record<MatmulVariant, VariantConfig>> = {
  naive: { source: naiveSource, overrides: { WG_X: 16, WG_Y: 16 }, cover: [16, 16] },
  tiled: { source: tiledSource, overrides: { TILE: 16 }, cover: [16, 16] },
  // 64 invocations of 8 x 8 blocks, 16 along N.
  register: { source: registerSource, overrides: { WG_X: 16, WG_Y: 4 }, cover: [128, 32] },
  // 8 subgroups of 8 invocations, each subgroup 32 columns x 16 rows, stacked along M.
  subgroup: { source: subgroupSource, overrides: { WG: 64 }, cover: [32, 128] },
  // 8 subgroups of 8 invocations, each 64 columns x 32 rows, on operands packed into panels first (pack.wgsl).
  packed: { source: packedSource, overrides: { WG: 64 }, cover: [64, 256] },
};

/** Variants that run on 8-wide subgroups. */
const SUBGROUP_VARIANTS: readonly MatmulVariant[] = ['subgroup', 'packed'];

/**
 * Whether `variant` can run on this device. `subgroup` and `packed` need the `subgroups`
 * feature (requested by @duet/gpu when the adapter has it) and subgroups of exactly 8 invocations.
 */
export function matmulVariantAvailable(ctx: GpuContext, variant: MatmulVariant): boolean {
  if (!SUBGROUP_VARIANTS.includes(variant)) return true;
  const info = (ctx.device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
  return ctx.device.features.has('subgroups') && info?.subgroupMinSize === 8 && info.subgroupMaxSize === 8;
}

/** The variants this device can run (what tuneMatmul times). */
export function availableMatmulVariants(ctx: GpuContext): MatmulVariant[] {
  return MATMUL_VARIANTS.filter((v) => matmulVariantAvailable(ctx, v));
}

/** A problem size: c (batch, m, n) = op(a) (batch, m, k) @ op(b) (batch, k, n). */
export interface MatmulShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batch?: number;
}

/**
 * Where op(a)[row, i] and op(b)[i, col] sit in a and b as stored: the index strides of the matmul
 * shaders and of pack.wgsl.
 */
export function operandStrides({ m, n, k }: Required<MatmulShape>, transposeA: boolean, transposeB: boolean) {
  return {
    aRow: transposeA ? 1 : k,
    aDepth: transposeA ? m : 1,
    bDepth: transposeB ? 1 : n,
    bCol: transposeB ? k : 1,
  };
}

/**
 * The tuning class of a shape: multiply-adds rounded to a power of 8 and multiply-adds per
 * operand element (mn / (m + n), what decides whether packing pays, see PACKED_MIN_REUSE) rounded
 * to a power of 2, so shapes of the same order of work and the same reuse share one measured
 * choice ('macs2^30:reuse2^9' for 1024^3). With multiply-adds alone, the MNIST CNN's dense layer
 * (64x9216x128, 43 per element) shared 512^3's choice (256 per element), `packed`, and ran at
 * 0.75x the speed `subgroup` gives it.
 */
export function matmulShapeClass(shape: MatmulShape): string {
  const macs = Math.max(1, (shape.batch ?? 1) * shape.m * shape.n * shape.k);
  const reuse = Math.max(1, (shape.m * shape.n) / (shape.m + shape.n));
  return `macs2^${Math.round(Math.log2(macs) / 3) * 3}:reuse2^${Math.round(Math.log2(reuse))}`;
}

/**
 * When `packed` is the software default: from PACKED_MIN_MACS multiply-adds, and from
 * PACKED_MIN_REUSE multiply-adds per packed element (mn / (m + n): packing copies (m + n) k
 * values for m n k multiply-adds). Below, its packing dispatches cost about what they save
 * (lavapipe: 32x760x10 ran at 0.5x `subgroup`'s speed and 64x9216x128, 43 per element, at 1x;
 * 256^3, 128 per element, at 1.1-1.4x, 1024^3 at 1.5-1.8x).
 */
export const PACKED_MIN_MACS = 2 ** 22;
export const PACKED_MIN_REUSE = 64;

/** The variant used when nothing was measured for this shape (class) on this adapter. */
export function defaultMatmulVariant(ctx: GpuContext, shape?: MatmulShape): MatmulVariant {
  if (!ctx.adapter.isSoftware) return 'tiled';
  if (!matmulVariantAvailable(ctx, 'subgroup')) return 'register';
  if (!shape) return 'subgroup';
  const { m, n, k, batch = 1 } = shape;
  return batch * m * n * k >= PACKED_MIN_MACS && (m * n) / (m + n) >= PACKED_MIN_REUSE ? 'packed' : 'subgroup';
}

/**
 * The key a shape's measured choice is remembered under. It names the candidates, so that a
 * choice remembered on disk before a variant was added (say `packed`) is measured again, and the
 * way they were timed (`repeat`: several runs per submit, ctx.timeRepeated), so that choices timed
 * one run per submit, which picked `naive` for lab-cnn's Linear(760, 10) at 3x `subgroup`'s time,
 * are measured again too.
 */
export const matmulTuningKey = (shape: MatmulShape): string => `matmul:${MATMUL_VARIANTS.join('+')}:repeat:${matmulShapeClass(shape)}`;

/**
 * The variant matmul() runs for `shape` on this context: the tuned choice if there is one, else
 * the default. The key mirrors the one ctx.choose stores under (`backend:adapter:key`), so a
 * choice remembered on disk by an earlier process counts too.
 */
export function matmulVariantFor(ctx: GpuContext, shape: MatmulShape): MatmulVariant {
  const stored = ctx.chosen(matmulTuningKey(shape));
  const known = availableMatmulVariants(ctx) as string[];
  return stored !== undefined && known.includes(stored) ? (stored as MatmulVariant) : defaultMatmulVariant(ctx, shape);
}

/**
 * Times every variant on `shape` (once per adapter and shape class: ctx.choose remembers the
 * winner) so that later matmul() calls of that class use the fastest. `record` records one
 * matmul of the shape with the given variant; it is passed in so this module needs no op code.
 * Each candidate is measured by ctx.timeBest (a warm-up, one timed run, then
 * ctx.flags.tuneRepetitions timings of enough runs in one submit that a small product's own time
 * shows); one already 4x slower than the best so far is not repeated (on lavapipe the naive and
 * tiled variants take seconds at 1024^3).
 */
export async function chooseMatmulVariant(
  ctx: GpuContext,
  shape: MatmulShape,
  record: (variant: MatmulVariant) => void,
  among: readonly MatmulVariant[] = MATMUL_VARIANTS,
): Promise<MatmulVariant> {
  let bestSoFar = Infinity;
  // The likely winner first, so the slow candidates are cut short.
  const first = defaultMatmulVariant(ctx, shape);
  const usable = availableMatmulVariants(ctx).filter((v) => among.includes(v));
  if (usable.length === 0) throw new Error(`matmul: none of [${among.join(', ')}] can run on ${ctx.adapter.name}`);
  const candidates = usable.includes(first) ? [first, ...usable.filter((v) => v !== first)] : usable;
  return ctx.choose(matmulTuningKey(shape), candidates, async (variant) => {
    const best = await ctx.timeBest(() => record(variant), ctx.flags.tuneRepetitions, (b) => b > 4 * bestSoFar);
    bestSoFar = Math.min(bestSoFar, best);
    return best;
  });
}
