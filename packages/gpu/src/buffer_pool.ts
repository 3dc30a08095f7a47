/**
 * Reuses GPU buffers by size class and usage. A released buffer becomes free only after the
 * next submit: until then a command buffer still being recorded may read it, and a queue
 * write into a reused buffer would land before that command buffer runs.
 */
export interface PoolStats {
  /** Bytes of every live buffer the pool created (in use or free). */
  readonly bytesAllocated: number;
  /** Bytes handed out and not yet released. */
  readonly bytesInUse: number;
  /** Buffers created over the pool's life (a churn gauge for the benchmarks). */
  readonly buffersCreated: number;
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly pendingFree: GPUBuffer[] = [];
  private readonly owned = new Set<GPUBuffer>();
  private allocated = 0;
  private inUse = 0;
  private created = 0;
  private freeBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly quantum: number,
    private readonly maxPooledBytes: number,
  ) {}

  /** Rounds a byte size up to the pool's size class. */
  sizeClass(size: number): number {
    const q = this.quantum;
    return Math.max(q, Math.ceil(size / q) * q);
  }

  acquire(size: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const rounded = this.sizeClass(size);
    const key = `${rounded}_${usage}`;
    const list = this.free.get(key);
    let buffer = list?.pop();
    if (buffer) {
      this.freeBytes -= rounded;
      buffer.label = label;
    } else {
      buffer = this.device.createBuffer({ size: rounded, usage, label });
      this.owned.add(buffer);
      this.allocated += rounded;
      this.created++;
    }
    this.inUse += rounded;
    return buffer;
  }

  /** Gives a buffer back; it is reused after the next submit. */
  release(buffer: GPUBuffer): void {
    if (!this.owned.has(buffer)) throw new Error(`buffer '${buffer.label}' does not belong to this pool`);
    this.inUse -= buffer.size;
    this.pendingFree.push(buffer);
  }

  /** Called by the context right after a submit: released buffers become reusable. */
  afterSubmit(): void {
    for (const buffer of this.pendingFree) {
      if (this.freeBytes + buffer.size > this.maxPooledBytes) {
        this.owned.delete(buffer);
        this.allocated -= buffer.size;
        buffer.destroy();
        continue;
      }
      const key = `${buffer.size}_${buffer.usage}`;
      let list = this.free.get(key);
      if (!list) this.free.set(key, (list = []));
      list.push(buffer);
      this.freeBytes += buffer.size;
    }
    this.pendingFree.length = 0;
  }

  get stats(): PoolStats {
    return { bytesAllocated: this.allocated, bytesInUse: this.inUse, buffersCreated: this.created };
  }

  /** Destroys every buffer the pool created, in use or not. */
  destroy(): void {
    for (const buffer of this.owned) buffer.destroy();
    this.owned.clear();
    this.free.clear();
    this.pendingFree.length = 0;
    this.allocated = this.inUse = this.freeBytes = 0;
  }
}
