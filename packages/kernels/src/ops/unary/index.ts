/**
 * Elementwise unary ops (relu, exp, log, sigmoid, tanh, scale…) and their backward.
 * One shader per direction; the op is an override constant, so each op is its own pipeline.
 */
import { dispatch1d, type GpuContext } from '@duet/gpu';
import forwardSource from '@duet/shaders/elementwise/unary.wgsl';
import backwardSource from '@duet/shaders/elementwise/unary_backward.wgsl';
import { empty, numel, type GpuArray } from '../../array';
import type { OpDef } from '../../op';

/** Op codes as the WGSL `OP` override knows them. */
export const UNARY_OPS = {
  relu: 0, neg: 1, exp: 2, log: 3, sqrt: 4, abs: 5, sigmoid: 6, tanh: 7, square: 8, reciprocal: 9, scale: 10, leakyRelu: 11,
} as const;
export type UnaryOp = keyof typeof UNARY_OPS;

/** Workgroup size, and vec4s per invocation (WG apart, see unary.wgsl). */
const WG = 64;
const ITEMS = 8;

export interface UnaryOptions {
  /** scale: y = alpha * x + beta; leakyRelu: negative slope. */
  readonly alpha?: number;
  readonly beta?: number;
  /** Write here instead of a new array. NOTE: not `x` itself: WebGPU forbids binding one buffer read-only and read-write in one dispatch. */
  readonly out?: GpuArray;
}

/** y = f(x), same shape as x. */
export function unary(ctx: GpuContext, op: UnaryOp, x: GpuArray, options: UnaryOptions = {}): GpuArray {
  const size = numel(x);
  const y = options.out ?? empty(ctx, x.shape, op);
  const kernel = ctx.kernel({ name: `unary/${op}`, source: forwardSource, overrides: { OP: UNARY_OPS[op], WG, ITEMS } });
  const padded = new Padded(ctx, size);
  const yBuffer = padded.output(y.buffer);
  ctx.dispatch(kernel, { x: padded.input(x.buffer), y: yBuffer }, { size, alpha: options.alpha ?? defaultAlpha(op), beta: options.beta ?? 0 }, grid(ctx, size));
  padded.finish(yBuffer, y.buffer);
  return y;
}

/** gradInput = gradOutput * f'(x). */
export function unaryBackward(ctx: GpuContext, op: UnaryOp, x: GpuArray, gradOutput: GpuArray, options: { alpha?: number } = {}): GpuArray {
  const size = numel(x);
  const gradInput = empty(ctx, x.shape, `${op}.gradInput`);
  const kernel = ctx.kernel({ name: `unary_backward/${op}`, source: backwardSource, overrides: { OP: UNARY_OPS[op], WG, ITEMS } });
  const padded = new Padded(ctx, size);
  const bindings = { x: padded.input(x.buffer), gradOutput: padded.input(gradOutput.buffer), gradInput: padded.output(gradInput.buffer) };
  ctx.dispatch(kernel, bindings, { size, alpha: options.alpha ?? defaultAlpha(op), beta: 0 }, grid(ctx, size));
  padded.finish(bindings.gradInput, gradInput.buffer);
  return gradInput;
}

function grid(ctx: GpuContext, size: number): [number, number, number] {
  return dispatch1d(Math.ceil(size / (4 * ITEMS)), WG, ctx.limits.maxComputeWorkgroupsPerDimension);
}

/**
 * The shaders read and write whole vec4s, so every buffer must hold ceil(size / 4) of them. Pool
 * buffers do (their size class is a multiple of 16 bytes by default); any other buffer is
 * replaced by a padded copy (an input) or a padded stand-in copied back afterwards (the output).
 */
class Padded {
  private readonly bytes: number;
  private readonly temporaries: GPUBuffer[] = [];

  constructor(private readonly ctx: GpuContext, private readonly size: number) {
    this.bytes = Math.ceil(size / 4) * 16;
  }

  input(buffer: GPUBuffer): GPUBuffer {
    if (buffer.size >= this.bytes) return buffer;
    const copy = this.temporary(buffer.label);
    this.ctx.copy(buffer, copy, this.size * 4);
    return copy;
  }

  output(buffer: GPUBuffer): GPUBuffer {
    return buffer.size >= this.bytes ? buffer : this.temporary(buffer.label);
  }

  /** Copies a stand-in output back into `destination` and returns the temporaries to the pool. */
  finish(written: GPUBuffer, destination: GPUBuffer): void {
    if (written !== destination) this.ctx.copy(written, destination, this.size * 4);
    for (const buffer of this.temporaries) this.ctx.release(buffer);
  }

  private temporary(label: string): GPUBuffer {
    const buffer = this.ctx.createBuffer(this.bytes, `${label}.padded`);
    this.temporaries.push(buffer);
    return buffer;
  }
}

function defaultAlpha(op: UnaryOp): number {
  return op === 'leakyRelu' ? 0.01 : 1;
}

export const unaryOp: OpDef = {
  name: 'unary',
  shaders: ['elementwise/unary.wgsl', 'elementwise/unary_backward.wgsl'],
  differentiable: true,
  tolerance: { atol: 1e-6, rtol: 1e-5, gradAtol: 1e-6, gradRtol: 1e-5 },
};
