/**
 * GpuArray: a GPU buffer with a shape (row-major, NCHW for images). Kernels take and return
 * these; the autograd Tensor wraps one. Element type is float32 unless `dtype` says otherwise.
 */
import { sizeOf, type GpuContext } from '@duet/gpu';

export type DType = 'f32' | 'u32' | 'i32';

export interface GpuArray {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** An uninitialised array from the pool. */
export function empty(ctx: GpuContext, shape: readonly number[], label: string, dtype: DType = 'f32'): GpuArray {
  checkShape(shape, label);
  return { buffer: ctx.createBuffer(Math.max(4, sizeOf(shape) * 4), label), shape: [...shape], dtype };
}

/** An array of zeros (cleared on the GPU, in order with the work recorded so far). */
export function zeros(ctx: GpuContext, shape: readonly number[], label: string, dtype: DType = 'f32'): GpuArray {
  const array = empty(ctx, shape, label, dtype);
  ctx.clear(array.buffer, Math.max(4, sizeOf(shape) * 4));
  return array;
}

/** Uploads host data; its length must match the shape. */
export function fromData(ctx: GpuContext, data: Float32Array | Uint32Array | Int32Array, shape: readonly number[], label: string): GpuArray {
  checkShape(shape, label);
  if (data.length !== sizeOf(shape)) {
    throw new Error(`${label}: ${data.length} values do not fill shape [${shape.join(', ')}]`);
  }
  const dtype: DType = data instanceof Float32Array ? 'f32' : data instanceof Uint32Array ? 'u32' : 'i32';
  return { buffer: ctx.upload(data, label), shape: [...shape], dtype };
}

/** Reads an array back (submits first). */
export async function toData(ctx: GpuContext, array: GpuArray): Promise<Float32Array> {
  return ctx.readFloat32(array.buffer, sizeOf(array.shape));
}

export async function toUint32(ctx: GpuContext, array: GpuArray): Promise<Uint32Array> {
  return ctx.readUint32(array.buffer, sizeOf(array.shape));
}

/** Returns the array's buffer to the pool. */
export function free(ctx: GpuContext, array: GpuArray): void {
  ctx.release(array.buffer);
}

/** Same buffer, new shape of the same size (no copy). */
export function reshape(array: GpuArray, shape: readonly number[]): GpuArray {
  if (sizeOf(shape) !== sizeOf(array.shape)) {
    throw new Error(`cannot reshape [${array.shape.join(', ')}] to [${shape.join(', ')}]`);
  }
  return { ...array, shape: [...shape] };
}

export function numel(array: GpuArray): number {
  return sizeOf(array.shape);
}

function checkShape(shape: readonly number[], label: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${label}: bad shape [${shape.join(', ')}]`);
  }
}
