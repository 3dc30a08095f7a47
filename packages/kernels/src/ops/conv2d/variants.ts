/**
 * The kernel variants of each conv2d direction, their block sizes, and which one runs when the
 * caller does not force one: the choice `tuneConv2d` remembered for this adapter and layer
 * shape, else `defaultConv2dVariant` (subgroup, else register, on CPU drivers; tiled elsewhere).
 * `subgroup` and gradInput's `pixel` run only where matmul's subgroup variant does (the
 * `subgroups` feature with 8-wide subgroups).
 */
import { dispatch1d, dispatchFor, type GpuContext } from '@duet/gpu';
import forwardDirect from '@duet/shaders/conv2d/forward_direct.wgsl';
import forwardRegister from '@duet/shaders/conv2d/forward_register.wgsl';
import forwardRow from '@duet/shaders/conv2d/forward_row.wgsl';
import forwardSubgroup from '@duet/shaders/conv2d/forward_subgroup.wgsl';
import forwardTiled from '@duet/shaders/conv2d/forward_tiled.wgsl';
import backwardInputDirect from '@duet/shaders/conv2d/backward_input.wgsl';
import backwardInputRegister from '@duet/shaders/conv2d/backward_input_register.wgsl';
import backwardInputSubgroup from '@duet/shaders/conv2d/backward_input_subgroup.wgsl';
import backwardInputPixel from '@duet/shaders/conv2d/backward_input_pixel.wgsl';
import backwardWeightDirect from '@duet/shaders/conv2d/backward_weight.wgsl';
import backwardWeightRegister from '@duet/shaders/conv2d/backward_weight_register.wgsl';
import backwardWeightSubgroup from '@duet/shaders/conv2d/backward_weight_subgroup.wgsl';
import backwardWeightTiled from '@duet/shaders/conv2d/backward_weight_tiled.wgsl';
import backwardBias from '@duet/shaders/conv2d/backward_bias.wgsl';
import backwardBiasRelu from '@duet/shaders/conv2d/backward_bias_relu.wgsl';
import backwardWeightReduce from '@duet/shaders/conv2d/backward_weight_reduce.wgsl';
import { withSubgroupAccumulate } from '../../wgsl';
import { matmulVariantAvailable } from '../matmul/variants';
import { outHeightOf, outWidthOf, type Conv2dGeometry } from './reference';

export const CONV2D_VARIANTS = {
  // `row` (forward_row.wgsl): `subgroup` reading each input row's window once, as vec4s where
  // rows are multiples of 4 wide; where the window would not fit its registers it runs `subgroup`.
  forward: ['direct', 'register', 'tiled', 'subgroup', 'row'],
  // No tiled gather for gradInput: with stride > 1 most taps of an im2col tile hit no output.
  // `pixel` (backward_input_pixel.wgsl: a subgroup per input pixel, the batch along the lanes)
  // wastes nothing at a small plane's edges, where `subgroup`'s runs along a row are masked.
  // benchmarks/conv2d_gflops.ts on lavapipe: 1.5x `subgroup` on lab-cnn's conv2 (32x10x41x12),
  // 1.2-1.6x on 5x12 to 14x14 planes, even on 20x50, 0.6x on the MNIST CNN's 26x26: the tuner picks.
  backwardInput: ['direct', 'register', 'subgroup', 'pixel'],
  backwardWeight: ['direct', 'register', 'tiled', 'subgroup'],
} as const;

export type Conv2dDirection = keyof typeof CONV2D_VARIANTS;
export type Conv2dVariantOf<D extends Conv2dDirection> = (typeof CONV2D_VARIANTS)[D][number];
export type Conv2dVariant = Conv2dVariantOf<Conv2dDirection>;

export const KERNELS = { backwardBias, backwardBiasRelu, backwardWeightReduce };

/** How a direction maps onto its kernels' grids (out = H' and W' of the geometry). */
interface DirectionSpec {
  readonly sources: Readonly<Record<string, string>>;
  /** Invocations of the direct variant: one per element written. */
  readonly items: (g: Conv2dGeometry, outH: number, outW: number) => number;
  /** Register variant: elements along the blocked row (output columns, input columns, taps). */
  readonly rowLength: (g: Conv2dGeometry, outW: number) => number;
  /** Register variant: invocations for a block of `inner` along the row (grid x and y). */
  readonly blocks: (g: Conv2dGeometry, outH: number, outW: number, inner: number) => number;
  /** Register variant: channels blocked by the channel override (grid z). */
  readonly channels: (g: Conv2dGeometry) => number;
  readonly channelOverride: string;
  readonly innerOverride: string;
  /** Tiled variant: the GEMM's N (its M is Cout). */
  readonly gemmColumns: (g: Conv2dGeometry, outH: number, outW: number) => number;
  /** Subgroup variant: the GEMM's rows (blocks of 16, grid z) and columns (blocks of 4 WG). */
  readonly subgroupRows: (g: Conv2dGeometry) => number;
  readonly subgroupColumns: (g: Conv2dGeometry, outH: number, outW: number) => number;
}

const taps = (g: Conv2dGeometry) => g.inChannels * g.kernelH * g.kernelW;

export const DIRECTIONS: Readonly<Record<Conv2dDirection, DirectionSpec>> = {
  forward: {
    sources: { direct: forwardDirect, register: forwardRegister, tiled: forwardTiled, subgroup: withSubgroupAccumulate(forwardSubgroup), row: withSubgroupAccumulate(forwardRow) },
    items: (g, h, w) => g.batch * g.outChannels * h * w,
    rowLength: (_g, w) => w,
    blocks: (g, h, w, inner) => g.batch * h * Math.ceil(w / inner),
    channels: (g) => g.outChannels,
    channelOverride: 'CO_BLOCK',
    innerOverride: 'PX_BLOCK',
    gemmColumns: (g, h, w) => g.batch * h * w,
    subgroupRows: (g) => g.outChannels,
    subgroupColumns: (g, h, w) => g.batch * h * w,
  },
  backwardInput: {
    sources: { direct: backwardInputDirect, register: backwardInputRegister, subgroup: withSubgroupAccumulate(backwardInputSubgroup), pixel: withSubgroupAccumulate(backwardInputPixel) },
    items: (g) => g.batch * g.inChannels * g.inHeight * g.inWidth,
    rowLength: (g) => g.inWidth,
    // Blocks hold columns of one phase iw mod sW; grid y walks the (row, phase) pairs (see
    // backward_input_register.wgsl), so x covers (batch, column run) only.
    blocks: (g, _h, _w, inner) => g.batch * Math.ceil(Math.ceil(g.inWidth / g.strideW) / inner),
    channels: (g) => g.inChannels,
    channelOverride: 'CI_BLOCK',
    innerOverride: 'PX_BLOCK',
    gemmColumns: () => 0,
    subgroupRows: (g) => g.inChannels,
    // Runs of 4 columns of one phase; grid y walks the (row, phase) pairs (backward_input_subgroup.wgsl).
    subgroupColumns: (g) => g.batch * Math.ceil(Math.ceil(g.inWidth / g.strideW) / 4),
  },
  backwardWeight: {
    sources: { direct: backwardWeightDirect, register: backwardWeightRegister, tiled: backwardWeightTiled, subgroup: withSubgroupAccumulate(backwardWeightSubgroup) },
    items: (g) => g.outChannels * taps(g),
    rowLength: (g) => taps(g),
    blocks: (g, _h, _w, inner) => Math.ceil(taps(g) / inner),
    channels: (g) => g.outChannels,
    channelOverride: 'CO_BLOCK',
    innerOverride: 'TAP_BLOCK',
    gemmColumns: (g) => taps(g),
    subgroupRows: (g) => g.outChannels,
    subgroupColumns: (g) => taps(g),
  },
};

export interface Blocks {
  /** Register variant: workgroup size, channel block, block along the row. */
  readonly wg: number;
  readonly channel: number;
  readonly inner: number;
  /** Register backwardWeight: the batch is summed in `splits` chunks of `batchChunk` images. */
  readonly splits: number;
  readonly batchChunk: number;
  /** Tiled variant: workgroup (WG_X, WG_Y) and reduction step. */
  readonly wgX: number;
  readonly wgY: number;
  readonly tileK: number;
}

/**
 * backwardWeight splits its reduction (split-K) until about this many invocations run, so a
 * layer with few weights (Conv2d(1, 10, 7): 490) still keeps every core busy: a CPU driver has
 * a few cores x 8 SIMD lanes, a discrete GPU thousands of lanes.
 */
function minInvocations(ctx: GpuContext): number {
  return ctx.adapter.isSoftware ? 64 : 16384;
}

/**
 * The same for the tiled and subgroup variants, in workgroups: on a CPU driver, which runs one per
 * thread at a time, 4 per host thread (16 where the thread count is unknown); each split costs a
 * partial buffer and the reduce dispatch. Lavapipe, 2 threads, lab-cnn's step profile: conv2's
 * gradWeight unsplit (8 workgroups) 0.66-0.70 ms where 2 splits took 0.90-0.96 plus a 0.07 ms
 * reduce; conv1's (2 workgroups) in 4 splits 0.89-0.93 ms, in 8 0.90-1.34.
 */
function minWorkgroups(ctx: GpuContext): number {
  return ctx.adapter.isSoftware ? 4 * (ctx.adapter.hostThreads ?? 4) : 256;
}

/** MAX_WINDOW in forward_row.wgsl: the longest input window it keeps in registers. */
const ROW_MAX_WINDOW = 32;

/**
 * The input window the `row` variant reads per (channel, kernel row) for 4 outputs: its length,
 * rounded up to whole vec4s when the rows and the window's start are multiples of 4 (then read
 * as vec4s).
 */
export function rowWindow(g: Conv2dGeometry): { readonly length: number; readonly vec4: boolean } {
  const length = 3 * g.strideW + (g.kernelW - 1) * g.dilationW + 1;
  const vec4 = g.inWidth % 4 === 0 && g.padW % 4 === 0;
  return { length: vec4 ? 4 * Math.ceil(length / 4) : length, vec4 };
}

/** Largest register block (MAX_BLOCK in the register shaders). */
const MAX_BLOCK = 16;

/**
 * Block sizes for a layer. Register blocks were measured on lavapipe (AVX2, 8 invocations per
 * vector) on the layers in benchmarks/conv2d_gflops.ts: channel blocks of 8-10 x 4 columns win
 * (fewer, larger blocks: each loaded value feeds more multiply-adds), wider rows lose.
 */
export function blocksFor(ctx: GpuContext, g: Conv2dGeometry, direction: Conv2dDirection): Blocks {
  const spec = DIRECTIONS[direction];
  const channel = channelBlock(spec.channels(g), direction === 'backwardWeight' ? 8 : 10);
  // With a tiny channel block (Cin = 1 on gradInput) a longer row amortises the per-tap work.
  let inner = Math.min(direction === 'backwardInput' && channel < 4 ? 8 : 4, spec.rowLength(g, outWidthOf(g)));
  // backwardWeight has few invocations (Cout*Cin*kH*kW / blocks): small workgroups spread them over the cores.
  let wg = direction === 'backwardWeight' ? 8 : 64;
  if (direction === 'backwardInput') {
    // Runs of up to 8 columns of one phase (4 at stride 1 with a full channel block, as
    // measured before), as even as can be (6 + 6, not 8 + 4): a CPU driver loads each weight
    // once per run, so longer runs mean fewer loads. A workgroup covers one (row, phase), so its
    // width follows the (batch, run) count, in whole SIMD vectors of 8.
    const phaseColumns = Math.ceil(g.inWidth / g.strideW);
    const longest = channel < 4 || g.strideW > 1 ? 8 : 4;
    inner = Math.ceil(phaseColumns / Math.ceil(phaseColumns / longest));
    wg = Math.min(64, 8 * Math.ceil((g.batch * Math.ceil(phaseColumns / inner)) / 8));
  }
  const wgY = g.outChannels <= 16 ? 4 : g.outChannels <= 32 ? 8 : 16;
  const wgX = 16;
  const tileK = Math.min(16, Math.floor(ctx.limits.maxComputeWorkgroupStorageSize / (4 * 4 * (wgX + wgY))));
  let splits = 1;
  let batchChunk = g.batch;
  if (direction === 'backwardWeight') {
    const invocations = Math.ceil(g.outChannels / channel) * Math.ceil(spec.rowLength(g, 0) / inner);
    batchChunk = Math.ceil(g.batch / Math.min(g.batch, Math.ceil(minInvocations(ctx) / invocations)));
    splits = Math.ceil(g.batch / batchChunk);
  }
  return { wg, channel, inner, splits, batchChunk, wgX, wgY, tileK };
}

/** The largest divisor of `channels` up to `max` (no idle lanes); 8 when that is tiny. */
function channelBlock(channels: number, max: number): number {
  let best = 1;
  for (let d = 1; d <= Math.min(max, channels); d++) if (channels % d === 0) best = d;
  return best < 4 && channels > max ? Math.min(8, MAX_BLOCK) : best;
}

/**
 * Whether `variant` can run on this device: `subgroup`, `pixel` and `row` need what matmul's subgroup
 * variant needs (the `subgroups` feature and subgroups of exactly 8 invocations).
 */
export function conv2dVariantAvailable(ctx: GpuContext, variant: Conv2dVariant): boolean {
  return !SUBGROUP_VARIANTS.includes(variant) || matmulVariantAvailable(ctx, 'subgroup');
}

/** Variants that run on 8-wide subgroups. */
const SUBGROUP_VARIANTS: readonly Conv2dVariant[] = ['subgroup', 'pixel', 'row'];

/**
 * Rows 8 .. 8 + HI_ROWS - 1 of a subgroup kernel's 16-row blocks that are computed: a layer of
 * fewer than 16 rows computes only its own (lab-cnn's 10 channels: 10).
 */
function hiRows(rows: number): number {
  return rows >= 16 ? 8 : Math.max(0, rows - 8);
}

/** The variants of a direction this device can run (what tuneConv2d times). */
export function availableConv2dVariants<D extends Conv2dDirection>(ctx: GpuContext, direction: D): Conv2dVariantOf<D>[] {
  return (CONV2D_VARIANTS[direction] as readonly Conv2dVariantOf<D>[]).filter((v) => conv2dVariantAvailable(ctx, v));
}

/**
 * Untuned default: on CPU drivers (barriers are expensive there) subgroup broadcasts where they
 * can run, else register blocks; tiled elsewhere. Given the layer `g`, gradInput keeps register
 * blocks where the subgroup GEMM wastes most of its work: under 8 input channels (its blocks
 * are 16 channels). Measured on lavapipe with benchmarks/conv2d_gflops.ts: subgroup 1.2-5x
 * register elsewhere, 0.1-0.8x there. With stride 2 both skip the taps that hit no output; on
 * lab-cnn's conv2 (10 channels) subgroup loads 6 values per 64 multiply-adds where register
 * loads 16 per 60, and took 0.6-1.4x register's time (median 0.8, six runs) on a loaded lavapipe.
 */
export function defaultConv2dVariant<D extends Conv2dDirection>(ctx: GpuContext, direction: D, g?: Conv2dGeometry): Conv2dVariantOf<D> {
  if (ctx.adapter.isSoftware) {
    const wasteful = direction === 'backwardInput' && g !== undefined && g.inChannels < 8;
    return (conv2dVariantAvailable(ctx, 'subgroup') && !wasteful ? 'subgroup' : 'register') as Conv2dVariantOf<D>;
  }
  return (direction === 'backwardInput' ? 'register' : 'tiled') as Conv2dVariantOf<D>;
}

/** The key under which `ctx.choose` remembers a layer's variant: `conv2d:<layer shape>:<direction>`. */
export function conv2dTuningKey(g: Conv2dGeometry, direction: Conv2dDirection): string {
  return (
    `conv2d:${g.batch}x${g.inChannels}x${g.inHeight}x${g.inWidth}:${g.outChannels}x${g.kernelH}x${g.kernelW}` +
    `:s${g.strideH}x${g.strideW}:p${g.padH}x${g.padW}:d${g.dilationH}x${g.dilationW}:${direction}` +
    // The candidates are part of the key: a choice made before a variant existed is not the
    // choice among all of them (a tuning store from an older Duet would hide new variants).
    `:${CONV2D_VARIANTS[direction].join('|')}`
  );
}

/**
 * The variant `tuneConv2d` picked for this adapter and layer, if any.
 * NOTE: reads the tuning store under the key GpuContext.choose writes
 * (`<backend>:<adapter name>:<key>`); a `ctx.chosen(key)` in @duet/gpu would remove the duplication.
 */
export function rememberedVariant<D extends Conv2dDirection>(ctx: GpuContext, g: Conv2dGeometry, direction: D): Conv2dVariantOf<D> | undefined {
  const known = ctx.chosen(conv2dTuningKey(g, direction));
  return (availableConv2dVariants(ctx, direction) as readonly string[]).includes(known ?? '') ? (known as Conv2dVariantOf<D>) : undefined;
}

/** Records one dispatch of a direction's variant: override values and grid follow the variant. */
export function run(
  ctx: GpuContext,
  g: Conv2dGeometry,
  direction: Conv2dDirection,
  variant: string,
  bindings: Readonly<Record<string, GPUBuffer>>,
  flags: Readonly<Record<string, number>> = {},
): void {
  const spec = DIRECTIONS[direction];
  const source = spec.sources[variant as keyof typeof spec.sources] as string | undefined;
  if (!source) throw new Error(`conv2d: ${direction} has no variant '${variant}' (have: ${Object.keys(spec.sources).join(', ')})`);
  const outH = outHeightOf(g);
  const outW = outWidthOf(g);
  const maxGroups = ctx.limits.maxComputeWorkgroupsPerDimension;
  const base = { ...g, outHeight: outH, outWidth: outW };
  const name = `conv2d/${direction}_${variant}`;
  if (!conv2dVariantAvailable(ctx, variant as Conv2dVariant)) {
    throw new Error(`conv2d: variant '${variant}' cannot run on ${ctx.adapter.name} (it needs the subgroups feature with 8-wide subgroups)`);
  }
  if (variant === 'direct') {
    const WG = 64;
    const size = spec.items(g, outH, outW);
    const kernel = ctx.kernel({ name, source, overrides: { WG, ...flags } });
    ctx.dispatch(kernel, bindings, { ...base, size }, dispatch1d(size, WG, maxGroups));
    return;
  }
  if (variant === 'row') {
    // One invocation per 4 outputs of a row; z: blocks of 16 channels (forward_row.wgsl).
    const window = rowWindow(g);
    if (window.length > ROW_MAX_WINDOW) {
      runSubgroup(ctx, g, direction, spec.sources.subgroup!, bindings, flags);
      return;
    }
    const WG = 64;
    const size = g.batch * outH * Math.ceil(outW / 4);
    const overrides = { WG, HI_ROWS: hiRows(g.outChannels), VEC4: window.vec4 ? 1 : 0, WINDOW: window.length, KW: g.kernelW, SW: g.strideW, DW: g.dilationW };
    const kernel = ctx.kernel({ name, source, overrides: { ...overrides, ...flags } });
    const [gx, gy] = dispatch1d(size, WG, maxGroups);
    ctx.dispatch(kernel, { ...bindings, xv: bindings.x }, { ...base, size }, [gx, gy, Math.ceil(g.outChannels / 16)]);
    return;
  }
  if (variant === 'subgroup') {
    runSubgroup(ctx, g, direction, source, bindings, flags);
    return;
  }
  if (variant === 'pixel') {
    // One workgroup (a subgroup of 8) per input pixel and block of 32 images; z: blocks of 16 channels.
    const size = g.inHeight * g.inWidth * Math.ceil(g.batch / 32);
    const kernel = ctx.kernel({ name, source, overrides: { HI_ROWS: hiRows(g.inChannels) } });
    const [gx, gy] = dispatch1d(size, 1, maxGroups);
    ctx.dispatch(kernel, bindings, { ...base, size }, [gx, gy, Math.ceil(g.inChannels / 16)]);
    return;
  }
  const blocks = blocksFor(ctx, g, direction);
  if (variant === 'register') {
    const size = spec.blocks(g, outH, outW, blocks.inner);
    const channelBlocks = Math.ceil(spec.channels(g) / blocks.channel);
    const kernel = ctx.kernel({ name, source, overrides: { WG: blocks.wg, [spec.channelOverride]: blocks.channel, [spec.innerOverride]: blocks.inner, ...flags } });
    if (direction === 'backwardInput') {
      ctx.dispatch(kernel, bindings, { ...base, size }, [dispatchFor(size, blocks.wg, maxGroups), g.inHeight * g.strideW, channelBlocks]);
      return;
    }
    const [gx, gy] = dispatch1d(size, blocks.wg, maxGroups);
    if (direction === 'forward') {
      ctx.dispatch(kernel, bindings, { ...base, size }, [gx, gy, channelBlocks]);
      return;
    }
    splitK(ctx, g, bindings, blocks.splits, (gradWeight) =>
      ctx.dispatch(kernel, { ...bindings, gradWeight }, { ...base, size, batchChunk: blocks.batchChunk }, [gx, gy, channelBlocks * blocks.splits]),
    );
    return;
  }
  // tiled: an implicit GEMM of (Cout) x (size) tiles of (4 WG_Y) x (4 WG_X).
  const size = spec.gemmColumns(g, outH, outW);
  const kernel = ctx.kernel({ name, source, overrides: { WG_X: blocks.wgX, WG_Y: blocks.wgY, TILE_K: blocks.tileK, ...flags } });
  const grid = [Math.ceil(size / (4 * blocks.wgX)), Math.ceil(g.outChannels / (4 * blocks.wgY))];
  if (direction !== 'backwardWeight') {
    ctx.dispatch(kernel, bindings, { ...base, size }, [...grid, 1]);
    return;
  }
  // Split-K over B*H'*W' in whole TILE_K steps until about minWorkgroups(ctx) run.
  const reduction = g.batch * outH * outW;
  const steps = Math.ceil(reduction / blocks.tileK);
  const wanted = Math.ceil(minWorkgroups(ctx) / (grid[0] * grid[1]));
  const reductionChunk = blocks.tileK * Math.ceil(steps / Math.min(steps, wanted, ctx.limits.maxComputeWorkgroupsPerDimension));
  const splits = Math.ceil(reduction / reductionChunk);
  splitK(ctx, g, bindings, splits, (gradWeight) => ctx.dispatch(kernel, { ...bindings, gradWeight }, { ...base, size, reductionChunk }, [...grid, splits]));
}

/**
 * The subgroup variant: an implicit GEMM whose workgroups cover 16 rows x 4*WG columns. WG is 64
 * (8 subgroups side by side along the columns) for forward, whose columns are pixels (many); for
 * gradInput as many runs as one (row, phase) has, up to 64; 8 for gradWeight, whose columns are
 * the Cin*kH*kW taps (few), and whose reduction over the batch is split until about
 * minWorkgroups(ctx) workgroups run.
 */
function runSubgroup(
  ctx: GpuContext,
  g: Conv2dGeometry,
  direction: Conv2dDirection,
  source: string,
  bindings: Readonly<Record<string, GPUBuffer>>,
  flags: Readonly<Record<string, number>>,
): void {
  const spec = DIRECTIONS[direction];
  const outH = outHeightOf(g);
  const outW = outWidthOf(g);
  const base = { ...g, outHeight: outH, outWidth: outW };
  const size = spec.subgroupColumns(g, outH, outW);
  const rows = spec.subgroupRows(g);
  const rowBlocks = Math.ceil(rows / 16);
  const HI_ROWS = hiRows(rows);
  if (direction === 'backwardInput') {
    // One invocation per run of a (row, phase); workgroups no wider than that, in whole subgroups.
    const WG = Math.min(64, 8 * Math.ceil(size / 8));
    const kernel = ctx.kernel({ name: `conv2d/${direction}_subgroup`, source, overrides: { WG, HI_ROWS } });
    ctx.dispatch(kernel, bindings, { ...base, size }, [dispatchFor(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension), g.inHeight * g.strideW, rowBlocks]);
    return;
  }
  const WG = direction === 'backwardWeight' ? 8 : 64;
  // gradWeight with RELU_BIAS has one more column, of ones, whose sums are gradBias.
  const reluBias = direction === 'backwardWeight' && flags.RELU_BIAS === 1;
  const [gx, gy] = dispatch1d(size + (reluBias ? 1 : 0), 4 * WG, ctx.limits.maxComputeWorkgroupsPerDimension);
  // Forward puts the channel loop outside the taps for large kernels with few input channels,
  // where the inner loop would be a pass or a few per tap (lavapipe, lab-cnn's 1->10 7x7:
  // 1.3-2.1x in five A/B runs; its 10->10 5x5: 0.7-1.4x, even; the MNIST CNN's 1->32 3x3: even,
  // its 32->64 3x3: 0.8x). Each value of CI_OUTER is a pipeline, compiled at a model's first step
  // (about 3 s cold on lavapipe), so one rule gives both lab-cnn layers the same one.
  const order: Record<string, number> = direction === 'forward' ? { CI_OUTER: g.kernelH * g.kernelW >= 16 && g.inChannels <= 16 ? 1 : 0 } : {};
  const kernel = ctx.kernel({ name: `conv2d/${direction}_subgroup`, source, overrides: { WG, HI_ROWS, ...flags, ...order } });
  if (direction !== 'backwardWeight') {
    ctx.dispatch(kernel, bindings, { ...base, size }, [gx, gy, rowBlocks]);
    return;
  }
  const wanted = Math.ceil(minWorkgroups(ctx) / (gx * gy * rowBlocks));
  const batchChunk = Math.ceil(g.batch / Math.min(g.batch, wanted));
  const splits = Math.ceil(g.batch / batchChunk);
  // Without RELU_BIAS, gradOutput stands in for the unread y (both are read-only).
  const inputs = { gradOutput: bindings.gradOutput, x: bindings.x, y: bindings.y ?? bindings.gradOutput };
  const record = (gradWeight: GPUBuffer) => ctx.dispatch(kernel, { ...inputs, gradWeight }, { ...base, size, batchChunk }, [gx, gy, rowBlocks * splits]);
  splitK(ctx, g, bindings, splits, record, reluBias ? bindings.gradBias : undefined);
}

/**
 * Runs `record` into a (splits, Cout, Cin*kH*kW) partial buffer and adds the splits into
 * bindings.gradWeight in order (deterministic); with one split it writes gradWeight directly.
 * With `gradBias` the partials have one more column per channel (RELU_BIAS), which the reduce
 * writes to gradBias, even for one split.
 */
function splitK(
  ctx: GpuContext,
  g: Conv2dGeometry,
  bindings: Readonly<Record<string, GPUBuffer>>,
  splits: number,
  record: (target: GPUBuffer) => void,
  gradBias?: GPUBuffer,
): void {
  if (splits === 1 && !gradBias) {
    record(bindings.gradWeight);
    return;
  }
  const items = g.outChannels * (taps(g) + (gradBias ? 1 : 0));
  const partial = ctx.createBuffer(splits * items * 4, 'conv2d.gradWeight.partial');
  record(partial);
  // Without a bias column, a placeholder the kernel never writes (WebGPU forbids binding
  // gradWeight twice as writable).
  const placeholder = gradBias ? null : ctx.createBuffer(4, 'conv2d.gradBias.placeholder');
  const reduce = ctx.kernel({ name: 'conv2d/backward_weight_reduce', source: KERNELS.backwardWeightReduce, overrides: { WG: 64, RELU_BIAS: gradBias ? 1 : 0 } });
  ctx.dispatch(
    reduce,
    { partial, gradWeight: bindings.gradWeight, gradBias: gradBias ?? placeholder! },
    { items, splits, size: taps(g) },
    dispatch1d(items, 64, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  ctx.release(partial);
  if (placeholder) ctx.release(placeholder);
}
