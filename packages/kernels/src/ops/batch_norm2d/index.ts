/**
 * 2-D batch normalisation over NCHW input, PyTorch's `batch_norm` with affine weight and bias and
 * tracked running statistics. Training mode normalises with the batch statistics, saves mean and
 * invstd for backward and updates the running stats in place; eval mode uses the running stats.
 */
import { dispatchFor, type GpuContext } from '@duet/gpu';
import statsSource from '@duet/shaders/norm/batch_norm2d_stats.wgsl';
import forwardSource from '@duet/shaders/norm/batch_norm2d_forward.wgsl';
import evalSource from '@duet/shaders/norm/batch_norm2d_eval.wgsl';
import backwardReduceSource from '@duet/shaders/norm/batch_norm2d_backward_reduce.wgsl';
import backwardInputSource from '@duet/shaders/norm/batch_norm2d_backward_input.wgsl';
import statsVec4Source from '@duet/shaders/norm/batch_norm2d_stats_vec4.wgsl';
import backwardReduceVec4Source from '@duet/shaders/norm/batch_norm2d_backward_reduce_vec4.wgsl';
import forwardVec4Source from '@duet/shaders/norm/batch_norm2d_forward_vec4.wgsl';
import backwardInputVec4Source from '@duet/shaders/norm/batch_norm2d_backward_input_vec4.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';

/** Workgroup size of the elementwise kernels, and how many elements of one plane each invocation visits. */
const WG = 64;
const ITEMS = 4;
/** Workgroup size of the per-channel reductions (a power of two: they reduce as a tree); 64 took 0.6-0.7x the time of 256 on lavapipe, whose barriers switch between every 8-lane row of the group. */
const REDUCE_WG = 64;

export interface BatchNorm2dParams {
  /** Per-channel scale gamma: (C). */
  readonly weight: GpuArray;
  /** Per-channel shift beta: (C). */
  readonly bias: GpuArray;
  /** (C), updated in place in training mode. */
  readonly runningMean: GpuArray;
  /** (C), updated in place in training mode (with the unbiased batch variance). */
  readonly runningVar: GpuArray;
}

export interface BatchNorm2dOptions {
  /** Batch statistics (and a running-stats update) when true; running statistics when false. */
  readonly training: boolean;
  /** Weight of the new batch statistic in the running average (PyTorch's default 0.1). */
  readonly momentum?: number;
  /** Added to the variance under the square root (PyTorch's default 1e-5). */
  readonly eps?: number;
}

export interface BatchNorm2dResult {
  /** (B, C, H, W) */
  readonly output: GpuArray;
  /** Batch mean per channel (C), kept for backward; null in eval mode. */
  readonly saveMean: GpuArray | null;
  /** 1 / sqrt(batch var + eps) per channel (C), kept for backward; null in eval mode. */
  readonly saveInvstd: GpuArray | null;
}

export interface BatchNorm2dGrads {
  /** (B, C, H, W) */
  readonly gradInput: GpuArray;
  /** (C) */
  readonly gradWeight: GpuArray;
  /** (C) */
  readonly gradBias: GpuArray;
}

/**
 * x: (B, C, H, W) -> (B, C, H, W), normalised per channel. Training mode records 2 dispatches, eval 1.
 * Every training kernel has a vec4 variant for planes of a whole number of vec4s (H*W % 4 == 0).
 */
export function batchNorm2d(ctx: GpuContext, x: GpuArray, p: BatchNorm2dParams, options: BatchNorm2dOptions): BatchNorm2dResult {
  const [batch, channels, spatial] = checkShapes(x, { weight: p.weight, bias: p.bias, runningMean: p.runningMean, runningVar: p.runningVar });
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const output = empty(ctx, x.shape, 'batch_norm2d.output');
  const grid = planeGrid(ctx, batch, channels, spatial);
  if (!options.training) {
    const kernel = ctx.kernel({ name: 'batch_norm2d_eval', source: evalSource, overrides: { WG, ITEMS } });
    ctx.dispatch(kernel, { x: x.buffer, runningMean: p.runningMean.buffer, runningVar: p.runningVar.buffer, weight: p.weight.buffer, bias: p.bias.buffer, y: output.buffer }, { channels, spatial, eps }, grid);
    return { output, saveMean: null, saveInvstd: null };
  }
  if (batch * spatial < 2) {
    // Same rule as PyTorch: one value per channel has no variance (and no unbiased one at all).
    throw new Error(`batch_norm2d: training needs more than 1 value per channel, got input [${x.shape.join(', ')}]`);
  }
  const saveMean = empty(ctx, [channels], 'batch_norm2d.saveMean');
  const saveInvstd = empty(ctx, [channels], 'batch_norm2d.saveInvstd');
  const statsBindings = { x: x.buffer, saveMean: saveMean.buffer, saveInvstd: saveInvstd.buffer, runningMean: p.runningMean.buffer, runningVar: p.runningVar.buffer };
  if (spatial % 4 === 0) {
    const stats = ctx.kernel({ name: 'batch_norm2d_stats_vec4', source: statsVec4Source, overrides: { WG: REDUCE_WG } });
    ctx.dispatch(stats, statsBindings, { batch, channels, vectors: spatial / 4, momentum, eps }, [channels, 1, 1]);
  } else {
    const stats = ctx.kernel({ name: 'batch_norm2d_stats', source: statsSource, overrides: { WG: REDUCE_WG } });
    ctx.dispatch(stats, statsBindings, { batch, channels, spatial, momentum, eps }, [channels, 1, 1]);
  }
  const bindings = { x: x.buffer, mean: saveMean.buffer, invstd: saveInvstd.buffer, weight: p.weight.buffer, bias: p.bias.buffer, y: output.buffer };
  if (spatial % 4 === 0) {
    const forward = ctx.kernel({ name: 'batch_norm2d_forward_vec4', source: forwardVec4Source, overrides: { WG, ITEMS } });
    ctx.dispatch(forward, bindings, { channels, vectors: spatial / 4 }, planeGrid(ctx, batch, channels, spatial / 4));
  } else {
    const forward = ctx.kernel({ name: 'batch_norm2d_forward', source: forwardSource, overrides: { WG, ITEMS } });
    ctx.dispatch(forward, bindings, { channels, spatial }, grid);
  }
  return { output, saveMean, saveInvstd };
}

/**
 * Backward of training-mode batchNorm2d, from the saved batch statistics.
 * x, gradOutput: (B, C, H, W); weight, saveMean, saveInvstd: (C) -> gradInput (B, C, H, W), gradWeight (C), gradBias (C).
 */
export function batchNorm2dBackward(
  ctx: GpuContext,
  x: GpuArray,
  gradOutput: GpuArray,
  weight: GpuArray,
  saveMean: GpuArray,
  saveInvstd: GpuArray,
): BatchNorm2dGrads {
  const [batch, channels, spatial] = checkShapes(x, { weight, saveMean, saveInvstd });
  if (gradOutput.shape.join() !== x.shape.join()) {
    throw new Error(`batch_norm2d backward: gradOutput [${gradOutput.shape.join(', ')}] does not match x [${x.shape.join(', ')}]`);
  }
  const gradInput = empty(ctx, x.shape, 'batch_norm2d.gradInput');
  const gradWeight = empty(ctx, [channels], 'batch_norm2d.gradWeight');
  const gradBias = empty(ctx, [channels], 'batch_norm2d.gradBias');
  const reduceBindings = { x: x.buffer, gradOutput: gradOutput.buffer, mean: saveMean.buffer, invstd: saveInvstd.buffer, gradWeight: gradWeight.buffer, gradBias: gradBias.buffer };
  if (spatial % 4 === 0) {
    const reduce = ctx.kernel({ name: 'batch_norm2d_backward_reduce_vec4', source: backwardReduceVec4Source, overrides: { WG: REDUCE_WG } });
    ctx.dispatch(reduce, reduceBindings, { batch, channels, vectors: spatial / 4 }, [channels, 1, 1]);
  } else {
    const reduce = ctx.kernel({ name: 'batch_norm2d_backward_reduce', source: backwardReduceSource, overrides: { WG: REDUCE_WG } });
    ctx.dispatch(reduce, reduceBindings, { batch, channels, spatial }, [channels, 1, 1]);
  }
  const bindings = { x: x.buffer, gradOutput: gradOutput.buffer, mean: saveMean.buffer, invstd: saveInvstd.buffer, weight: weight.buffer, gradWeight: gradWeight.buffer, gradBias: gradBias.buffer, gradInput: gradInput.buffer };
  const count = batch * spatial;
  if (spatial % 4 === 0) {
    const input = ctx.kernel({ name: 'batch_norm2d_backward_input_vec4', source: backwardInputVec4Source, overrides: { WG, ITEMS } });
    ctx.dispatch(input, bindings, { channels, vectors: spatial / 4, count }, planeGrid(ctx, batch, channels, spatial / 4));
  } else {
    const input = ctx.kernel({ name: 'batch_norm2d_backward_input', source: backwardInputSource, overrides: { WG, ITEMS } });
    ctx.dispatch(input, bindings, { channels, spatial, count }, planeGrid(ctx, batch, channels, spatial));
  }
  return { gradInput, gradWeight, gradBias };
}

/** Grid of the elementwise kernels: chunks of one plane (of `perPlane` floats or vec4s) along x, the B*C planes along y. */
function planeGrid(ctx: GpuContext, batch: number, channels: number, perPlane: number): [number, number, number] {
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  return [dispatchFor(perPlane, WG * ITEMS, max, 'batch_norm2d plane'), dispatchFor(batch * channels, 1, max, 'batch_norm2d planes'), 1];
}

/** [B, C, H*W] after checking x is 4-D and every per-channel array has C values. */
function checkShapes(x: GpuArray, perChannel: Readonly<Record<string, GpuArray>>): [number, number, number] {
  if (x.shape.length !== 4) throw new Error(`batch_norm2d: x must be (B, C, H, W), got [${x.shape.join(', ')}]`);
  const [batch, channels, height, width] = x.shape;
  for (const [name, array] of Object.entries(perChannel) as [string, GpuArray][]) {
    if (array.shape.length !== 1 || array.shape[0] !== channels) {
      throw new Error(`batch_norm2d: ${name} must be (${channels}), got [${array.shape.join(', ')}]`);
    }
  }
  return [batch, channels, height * width];
}

export const batchNorm2dOp: OpDef = {
  name: 'batch_norm2d',
  shaders: [
    'norm/batch_norm2d_stats.wgsl',
    'norm/batch_norm2d_forward.wgsl',
    'norm/batch_norm2d_eval.wgsl',
    'norm/batch_norm2d_backward_reduce.wgsl',
    'norm/batch_norm2d_backward_input.wgsl',
    'norm/batch_norm2d_stats_vec4.wgsl',
    'norm/batch_norm2d_backward_reduce_vec4.wgsl',
    'norm/batch_norm2d_forward_vec4.wgsl',
    'norm/batch_norm2d_backward_input_vec4.wgsl',
  ],
  differentiable: true,
  tolerance: { atol: 1e-5, rtol: 1e-4, gradAtol: 1e-5, gradRtol: 1e-4 },
};
