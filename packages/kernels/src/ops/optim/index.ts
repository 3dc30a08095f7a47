/**
 * Optimizer update kernels: SGD (momentum, dampening, nesterov, weight decay) and Adam / AdamW,
 * matching torch.optim. Each step updates the parameter and its state in place with ONE
 * dispatch over a flat range of elements. Lay every parameter of a model out in one flat buffer
 * (params, grads and each state its own flat buffer, same layout; see `flatLayout`) and a whole
 * training step's update is one dispatch; a single tensor works the same way.
 */
import { dispatch1d, type Binding, type GpuContext } from '@duet/gpu';
import sgdSource from '@duet/shaders/optim/sgd.wgsl';
import sgdMultiSource from '@duet/shaders/optim/sgd_multi.wgsl';
import adamSource from '@duet/shaders/optim/adam.wgsl';
import { numel, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { withSgdUpdate } from '../../wgsl';

const WG = 256;

/** A run of elements [offset, offset + size) of the flat buffers; the whole buffer by default. */
export interface FlatRange {
  readonly offset: number;
  readonly size: number;
}

export interface SgdBuffers {
  /** Updated in place. */
  readonly param: GpuArray;
  readonly grad: GpuArray;
  /** Same size as param, updated in place; needed when momentum != 0. Its content before step 1 does not matter. */
  readonly momentumBuffer?: GpuArray;
}

export interface SgdHyper {
  readonly lr: number;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

export interface AdamBuffers {
  /** Updated in place. */
  readonly param: GpuArray;
  readonly grad: GpuArray;
  /** First and second moment estimates, same size as param, zeroed before step 1, updated in place. */
  readonly expAvg: GpuArray;
  readonly expAvgSq: GpuArray;
}

export interface AdamHyper {
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
  /** AdamW: weight decay shrinks the parameter directly instead of joining the gradient. */
  readonly decoupledWeightDecay?: boolean;
}

/**
 * One torch.optim.SGD step, in place. `step` counts from 1 (the step being taken): at step 1
 * the momentum buffer is set to the update direction, as PyTorch does when it creates it.
 * param, grad, momentumBuffer: (N) -> param, momentumBuffer updated over `range`.
 */
export function sgdStep(ctx: GpuContext, buffers: SgdBuffers, hyper: SgdHyper, step: number, range?: FlatRange): void {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = hyper;
  checkStep(step);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new Error('sgdStep: nesterov momentum requires a momentum and zero dampening (as in torch.optim.SGD)');
  }
  const { offset, size } = checkRange('sgdStep', buffers.param, [buffers.grad, momentum !== 0 ? buffers.momentumBuffer : undefined], range);
  if (momentum !== 0 && !buffers.momentumBuffer) throw new Error('sgdStep: momentum needs a momentumBuffer');
  // With no momentum the kernel never touches the buffer, but WebGPU still wants one bound.
  const placeholder = buffers.momentumBuffer ? null : ctx.createBuffer(4, 'sgd.noMomentumBuffer');
  const momentumBuffer = buffers.momentumBuffer?.buffer ?? (placeholder as GPUBuffer);
  const kernel = ctx.kernel({ name: 'optim/sgd', source: withSgdUpdate(sgdSource), overrides: { WG } });
  ctx.dispatch(
    kernel,
    { param: buffers.param.buffer, grad: buffers.grad.buffer, momentumBuffer },
    { offset, size, lr, momentum, oneMinusDampening: 1 - dampening, weightDecay, nesterov: nesterov ? 1 : 0, firstStep: step === 1 ? 1 : 0 },
    dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  if (placeholder) ctx.release(placeholder);
}

/** One tensor of a multi-tensor SGD step: its buffers and its own step count (from 1). */
export interface SgdTensor extends SgdBuffers {
  readonly step: number;
}

/** Tensors one sgd_multi dispatch updates (its slots: param, grad, momentumBuffer each). */
export const SGD_MULTI_SLOTS = 4;

/** Whether this device can bind sgd_multi's 3 * SGD_MULTI_SLOTS storage buffers in one stage. */
export function sgdMultiAvailable(ctx: GpuContext): boolean {
  return ctx.limits.maxStorageBuffersPerShaderStage >= 3 * SGD_MULTI_SLOTS;
}

/**
 * Whether sgd_multi can update tensor `t` through vec4s: its buffers hold whole vec4s past its
 * last element (the buffer pool rounds sizes up to its quantum, so pooled tensors do).
 */
function vec4Padded(t: SgdTensor, momentum: number): boolean {
  const bytes = 16 * Math.ceil(numel(t.param) / 4);
  const buffers = [t.param, t.grad, momentum !== 0 ? t.momentumBuffer : undefined];
  return buffers.every((a) => !a || a.buffer.size >= bytes);
}

/**
 * sgdStep over many separate tensors (a model's parameters): one dispatch per SGD_MULTI_SLOTS
 * tensors instead of one per tensor, with results identical to sgdStep on each. Falls back to
 * sgdStep per tensor where the device binds too few storage buffers (sgdMultiAvailable), and for
 * a tensor whose buffers end before a whole vec4 (sgd_multi.wgsl reads and writes vec4s).
 * Each tensor: param, grad, momentumBuffer: (N_k) -> param, momentumBuffer updated in place.
 */
export function sgdStepMulti(ctx: GpuContext, tensors: readonly SgdTensor[], hyper: SgdHyper): void {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = hyper;
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new Error('sgdStepMulti: nesterov momentum requires a momentum and zero dampening (as in torch.optim.SGD)');
  }
  for (const t of tensors) {
    checkStep(t.step);
    checkRange('sgdStepMulti', t.param, [t.grad, momentum !== 0 ? t.momentumBuffer : undefined]);
    if (momentum !== 0 && !t.momentumBuffer) throw new Error('sgdStepMulti: momentum needs a momentumBuffer');
  }
  // The tensors sgd_multi cannot take are updated one by one.
  const alone = sgdMultiAvailable(ctx) ? tensors.filter((t) => !vec4Padded(t, momentum)) : tensors;
  for (const t of alone) sgdStep(ctx, t, hyper, t.step);
  if (alone.length === tensors.length) return;
  const grouped = tensors.filter((t) => !alone.includes(t));
  // Each invocation takes a vec4: 64 per workgroup spread a model's few thousand vec4s over more
  // workgroups (lavapipe runs one per thread; lab-cnn's second dispatch: 31 of them, 0.07 ms where
  // 9 of 256 took 0.07-0.11).
  const WG = 64;
  const kernel = ctx.kernel({ name: 'optim/sgd_multi', source: withSgdUpdate(sgdMultiSource), overrides: { WG } });
  // Unused slots (and momentum buffers without momentum) bind placeholders the kernel never
  // touches. NOTE: WebGPU rejects a buffer bound both read-only and writable, or writable twice
  // over overlapping ranges, in one dispatch: grads share one read-only placeholder, and each
  // writable binding gets its own aligned 16-byte range (one vec4) of another.
  const align = Math.max(16, ctx.limits.minStorageBufferOffsetAlignment);
  const writable = ctx.createBuffer(align * 2 * SGD_MULTI_SLOTS, 'sgd_multi.placeholder');
  const readable = ctx.createBuffer(16, 'sgd_multi.placeholderGrad');
  const placeholder = (n: number): Binding => ({ buffer: writable, offset: n * align, size: 16 });
  for (let start = 0; start < grouped.length; start += SGD_MULTI_SLOTS) {
    const chunk = grouped.slice(start, start + SGD_MULTI_SLOTS);
    const bindings: Record<string, Binding> = {};
    const size = [0, 0, 0, 0];
    const firstWorkgroup = [0, 0, 0, 0];
    const firstStep = [0, 0, 0, 0];
    let workgroups = 0;
    for (let k = 0; k < SGD_MULTI_SLOTS; k++) {
      const t = chunk[k];
      firstWorkgroup[k] = workgroups;
      bindings[`param${k}`] = t?.param.buffer ?? placeholder(2 * k);
      bindings[`grad${k}`] = t?.grad.buffer ?? readable;
      bindings[`momentumBuffer${k}`] = (momentum !== 0 ? t?.momentumBuffer?.buffer : undefined) ?? placeholder(2 * k + 1);
      if (!t) continue;
      size[k] = numel(t.param);
      firstStep[k] = t.step === 1 ? 1 : 0;
      workgroups += Math.ceil(Math.ceil(size[k] / 4) / WG);
    }
    if (workgroups === 0) continue;
    ctx.dispatch(
      kernel,
      bindings,
      { size, firstWorkgroup, firstStep, lr, momentum, oneMinusDampening: 1 - dampening, weightDecay, nesterov: nesterov ? 1 : 0 },
      dispatch1d(workgroups * WG, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
    );
  }
  ctx.release(writable);
  ctx.release(readable);
}

/**
 * One torch.optim.Adam step (or AdamW with `decoupledWeightDecay`), in place, amsgrad off.
 * `step` counts from 1 (the step being taken) and sets the bias corrections.
 * param, grad, expAvg, expAvgSq: (N) -> param, expAvg, expAvgSq updated over `range`.
 */
export function adamStep(ctx: GpuContext, buffers: AdamBuffers, hyper: AdamHyper, step: number, range?: FlatRange): void {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decoupledWeightDecay = false } = hyper;
  checkStep(step);
  const { offset, size } = checkRange('adamStep', buffers.param, [buffers.grad, buffers.expAvg, buffers.expAvgSq], range);
  const kernel = ctx.kernel({ name: 'optim/adam', source: adamSource, overrides: { WG } });
  ctx.dispatch(
    kernel,
    { param: buffers.param.buffer, grad: buffers.grad.buffer, expAvg: buffers.expAvg.buffer, expAvgSq: buffers.expAvgSq.buffer },
    {
      offset,
      size,
      beta1,
      oneMinusBeta1: 1 - beta1,
      beta2,
      oneMinusBeta2: 1 - beta2,
      eps,
      weightDecay: decoupledWeightDecay ? 0 : weightDecay,
      decay: decoupledWeightDecay ? 1 - lr * weightDecay : 1,
      stepSize: lr / (1 - beta1 ** step),
      biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
    },
    dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
}

/** One torch.optim.AdamW step: adamStep with decoupled weight decay, PyTorch's default 1e-2. */
export function adamwStep(ctx: GpuContext, buffers: AdamBuffers, hyper: Omit<AdamHyper, 'decoupledWeightDecay'>, step: number, range?: FlatRange): void {
  adamStep(ctx, buffers, { weightDecay: 1e-2, ...hyper, decoupledWeightDecay: true }, step, range);
}

/**
 * Offsets of tensors of the given sizes packed into one flat buffer, each start rounded up to
 * `alignElements` (64 floats = 256 bytes, WebGPU's usual minStorageBufferOffsetAlignment) so
 * each tensor can also be bound on its own as a sub-range. Padding must hold zeros in every
 * buffer (param, grad, state): then both updates leave it at zero.
 */
export function flatLayout(sizes: readonly number[], alignElements = 64): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    total = Math.ceil(total / alignElements) * alignElements;
    offsets.push(total);
    total += size;
  }
  return { offsets, total };
}

function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 1) throw new Error(`optimizer step must be an integer >= 1, got ${step}`);
}

function checkRange(what: string, param: GpuArray, others: (GpuArray | undefined)[], range?: FlatRange): FlatRange {
  const n = numel(param);
  for (const other of others) {
    if (other && numel(other) !== n) throw new Error(`${what}: buffers differ in size (${numel(other)} vs param ${n})`);
  }
  const { offset, size } = range ?? { offset: 0, size: n };
  if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size < 0 || offset + size > n) {
    throw new Error(`${what}: range [${offset}, ${offset + size}) is outside the ${n} elements`);
  }
  return { offset, size };
}

export const optimOp: OpDef = {
  name: 'optim',
  shaders: ['optim/sgd.wgsl', 'optim/sgd_multi.wgsl', 'optim/sgd_update.wgsl', 'optim/adam.wgsl'],
  differentiable: 'parameter updates are not differentiated',
  tolerance: { atol: 1e-6, rtol: 1e-5 },
};
