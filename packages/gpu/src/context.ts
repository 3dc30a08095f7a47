/**
 * GpuContext: one device and everything that hangs off it (buffer pool, pipeline cache, the
 * command encoder being recorded, error attribution, readback, variant tuning). Kernels take
 * a context explicitly; there is no module-level device.
 */
import { BufferPool, type PoolStats } from './buffer_pool';
import { DeviceLostError, GpuError, GpuLimitError, KernelError } from './errors';
import { defaultFlags, type GpuFlags } from './flags';
import { packUniform, reflectKernel, workgroupSize, type KernelReflection } from './reflect';
import { MemoryTuningStore, type TuningStore } from './tuning';

/** GPUBufferUsage values, spelled out so the runtime does not depend on WebGPU globals. */
export const BufferUsage = Object.freeze({
  MAP_READ: 0x1,
  MAP_WRITE: 0x2,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
  QUERY_RESOLVE: 0x200,
});
const MAP_MODE_READ = 0x1;

/** Usage of every storage buffer the runtime hands out: bind, upload, read back, copy. */
export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** What Duet reports about an adapter (`duet devices`). */
export interface AdapterSummary {
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  readonly backend: string;
  /** A CPU implementation (lavapipe, SwiftShader, WARP): correct but slow. */
  readonly isSoftware: boolean;
  /**
   * The host's CPU threads, when known: what a software adapter computes on (lavapipe runs one
   * workgroup per thread at a time), so kernels that split work for parallelism split this much.
   */
  readonly hostThreads?: number;
  /** Dawn toggles Duet turned on for this device (in Node: disable_robustness on lavapipe). */
  readonly dawnToggles?: readonly string[];
}

/** A WGSL kernel to compile: `name` labels every GPU object made from it. */
export interface KernelSpec {
  readonly name: string;
  readonly source: string;
  /** Values for the shader's `override` constants; they join the pipeline cache key. */
  readonly overrides?: Readonly<Record<string, number>>;
}

/** A compiled kernel, ready to dispatch. */
export interface Kernel {
  readonly name: string;
  readonly key: string;
  readonly reflection: KernelReflection;
  readonly workgroupSize: readonly [number, number, number];
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

export type Binding = GPUBuffer | { readonly buffer: GPUBuffer; readonly offset?: number; readonly size?: number };
export type ParamValues = Readonly<Record<string, number | readonly number[]>>;

export interface ContextOptions {
  readonly flags?: Partial<GpuFlags>;
  /** Where chosen kernel variants are remembered (a file in Node, memory in a browser). */
  readonly tuning?: TuningStore;
  /** Called once from dispose(), after the device is destroyed (the Node entry drops Dawn here). */
  readonly onDispose?: () => void;
  /**
   * How to wait for one of the device's promises (the queue done, a buffer mapped); default:
   * await it. The Node entry passes a poll that sleeps between turns on software adapters (see
   * GpuFlags.pollSliceMs).
   */
  readonly waitFor?: (done: Promise<unknown>) => Promise<void>;
}

export class GpuContext {
  readonly flags: Readonly<GpuFlags>;
  readonly pool: BufferPool;
  readonly tuning: TuningStore;
  readonly limits: GPUSupportedLimits;
  readonly hasTimestamps: boolean;

  private readonly pipelines = new Map<string, Kernel>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatchesInSegment = 0;
  private kernelsInSegment = new Set<string>();
  private readonly errorChecks: Promise<GpuError | null>[] = [];
  private uncaptured: GpuError | null = null;
  private lost: GPUDeviceLostInfo | null = null;
  private disposed = false;
  private submits = 0;
  private readonly untuned = new Map<string, () => Promise<unknown>>();
  /** See GpuFlags.bindGroupCacheSize; the uniform buffers of cached entries belong to the cache. */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  /** Keys dispatched once: an entry is cached at its second dispatch (see dispatch()). */
  private readonly seenKeys = new Set<string>();
  private readonly cachedUniforms: GPUBuffer[] = [];
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  /** When the queue last went from idle to busy (performance.now() ms), and submits since. */
  private busySince = 0;
  private submitsSinceIdle = 0;
  /** Estimated ms one submit keeps the queue busy (0: none yet; see GpuFlags.syncSleepFraction), and the last measurement. */
  private msPerSubmit = 0;
  private lastMsPerSubmit = 0;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    private readonly options: ContextOptions = {},
  ) {
    this.flags = { ...defaultFlags, ...options.flags };
    this.limits = device.limits;
    this.hasTimestamps = device.features.has('timestamp-query');
    this.pool = new BufferPool(device, this.flags.bufferSizeQuantum, this.flags.maxPooledBytes);
    this.tuning = options.tuning ?? new MemoryTuningStore();
    device.lost.then((info) => {
      this.lost = info;
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.uncaptured ??= this.attribute(error, [...this.kernelsInSegment]);
    });
  }

  /** Submits so far (the benchmarks count them: one training step should be one). */
  get submitCount(): number {
    return this.submits;
  }

  get poolStats(): PoolStats {
    return this.pool.stats;
  }

  /** Compiles (or fetches from the cache) the pipeline for a kernel and its override values. */
  kernel(spec: KernelSpec): Kernel {
    const overrides = spec.overrides ?? {};
    const key = `${spec.name}/${JSON.stringify(overrides, Object.keys(overrides).sort())}`;
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    this.assertAlive();
    const reflection = reflectKernel(spec.name, spec.source);
    for (const name of Object.keys(overrides)) {
      if (!reflection.overrides.has(name)) throw new Error(`kernel '${spec.name}' has no override '${name}'`);
    }
    const size = workgroupSize(spec.name, reflection, overrides);
    const invocations = size[0] * size[1] * size[2];
    if (invocations > this.limits.maxComputeInvocationsPerWorkgroup) {
      throw new GpuLimitError('maxComputeInvocationsPerWorkgroup', invocations, this.limits.maxComputeInvocationsPerWorkgroup, `kernel '${spec.name}'`);
    }
    let module = this.modules.get(spec.name);
    this.device.pushErrorScope('validation');
    if (!module) {
      module = this.device.createShaderModule({ code: spec.source, label: spec.name });
      this.modules.set(spec.name, module);
    }
    const layout = this.device.createBindGroupLayout({
      label: spec.name,
      entries: [...reflection.bindings.values()].map((b) => ({
        binding: b.binding,
        visibility: 0x4 /* GPUShaderStage.COMPUTE */,
        buffer: { type: b.kind },
      })),
    });
    const pipeline = this.device.createComputePipeline({
      label: spec.name,
      layout: this.device.createPipelineLayout({ label: spec.name, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: reflection.entryPoint, constants: { ...overrides } },
    });
    this.watch(this.device.popErrorScope(), [spec.name], 'compilation');
    const kernel: Kernel = { name: spec.name, key, reflection, workgroupSize: size, pipeline, layout };
    this.pipelines.set(key, kernel);
    return kernel;
  }

  /**
   * Records one dispatch into the current encoder. Bindings are matched to the WGSL by name;
   * `params` fills the kernel's uniform struct by member name.
   */
  dispatch(kernel: Kernel, bindings: Readonly<Record<string, Binding>>, params: ParamValues | null, workgroups: readonly number[]): void {
    this.assertAlive();
    const [x, y = 1, z = 1] = workgroups;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    for (const n of [x, y, z]) {
      if (n > max) throw new GpuLimitError('maxComputeWorkgroupsPerDimension', n, max, `kernel '${kernel.name}'`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    // Opening the encoder first also opens its error scopes, so bind group errors land in them.
    this.commandEncoder();
    const key = this.bindGroupKey(kernel, bindings, params);
    let bindGroup = key === null ? undefined : this.bindGroups.get(key);
    // Only keys seen before are cached: params that change every step (Adam's step count, a
    // dropout seed, a scheduled learning rate) would otherwise fill the cache with one-offs.
    const cache = key !== null && !bindGroup && this.bindGroups.size < this.flags.bindGroupCacheSize && this.seenKeys.has(key);
    if (key !== null && !bindGroup && !cache) {
      if (this.seenKeys.size >= 4 * this.flags.bindGroupCacheSize) this.seenKeys.clear();
      this.seenKeys.add(key);
    }
    let uniform: GPUBuffer | null = null;
    if (this.flags.debugErrorScopes) this.device.pushErrorScope('validation');
    if (!bindGroup) {
      const entries: GPUBindGroupEntry[] = [];
      for (const info of kernel.reflection.bindings.values()) {
        if (info.kind === 'uniform') {
          if (!params) throw new Error(`kernel '${kernel.name}' needs params`);
          const image = packUniform(kernel.name, kernel.reflection.params!, params);
          const usage = BufferUsage.UNIFORM | BufferUsage.COPY_DST;
          // A cached entry keeps its uniform (written once); otherwise it goes back to the pool.
          uniform = cache ? this.device.createBuffer({ size: this.pool.sizeClass(image.byteLength), usage, label: `${kernel.name}.params` }) : this.pool.acquire(image.byteLength, usage, `${kernel.name}.params`);
          if (cache) this.cachedUniforms.push(uniform);
          this.device.queue.writeBuffer(uniform, 0, image);
          entries.push({ binding: info.binding, resource: { buffer: uniform } });
          continue;
        }
        const bound = bindings[info.name];
        if (!bound) throw new Error(`kernel '${kernel.name}': no buffer bound to '${info.name}'`);
        const resource = 'buffer' in bound ? bound : { buffer: bound };
        entries.push({ binding: info.binding, resource });
      }
      for (const name of Object.keys(bindings)) {
        if (!kernel.reflection.bindings.has(name)) throw new Error(`kernel '${kernel.name}' has no binding '${name}'`);
      }
      bindGroup = this.device.createBindGroup({ label: kernel.name, layout: kernel.layout, entries });
      if (cache) {
        this.bindGroups.set(key, bindGroup);
        uniform = null;
      }
    }
    const pass = this.computePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (this.flags.debugErrorScopes) this.watch(this.device.popErrorScope(), [kernel.name], 'validation');
    if (uniform) this.pool.release(uniform);
    this.kernelsInSegment.add(kernel.name);
    this.dispatchesInSegment++;
    if (this.flags.maxDispatchesPerSubmit > 0 && this.dispatchesInSegment >= this.flags.maxDispatchesPerSubmit) this.flush();
  }

  /**
   * What a bind group of `kernel` is made of: its pipeline, each named buffer (identity, offset,
   * size) and the params values. Null when the cache is off. A pooled buffer keeps its identity
   * when reused, so the next step's dispatches find this step's bind groups.
   */
  private bindGroupKey(kernel: Kernel, bindings: Readonly<Record<string, Binding>>, params: ParamValues | null): string | null {
    if (this.flags.bindGroupCacheSize <= 0) return null;
    let key = kernel.key;
    for (const name in bindings) {
      const bound = bindings[name];
      const buffer = 'buffer' in bound ? bound.buffer : bound;
      let id = this.bufferIds.get(buffer);
      if (id === undefined) this.bufferIds.set(buffer, (id = this.nextBufferId++));
      key += 'buffer' in bound ? `|${name}=${id}@${bound.offset ?? 0}+${bound.size ?? ''}` : `|${name}=${id}`;
    }
    return params ? `${key}|${JSON.stringify(params)}` : key;
  }

  /** A storage buffer of at least `byteLength` bytes from the pool. */
  createBuffer(byteLength: number, label: string, usage: GPUBufferUsageFlags = STORAGE_USAGE): GPUBuffer {
    this.assertAlive();
    const max = Math.min(this.limits.maxBufferSize, this.limits.maxStorageBufferBindingSize);
    if (byteLength > max) throw new GpuLimitError('maxStorageBufferBindingSize', byteLength, max, `buffer '${label}'`);
    return this.pool.acquire(byteLength, usage, label);
  }

  /** A storage buffer holding a copy of `data`. */
  upload(data: ArrayBufferView, label: string): GPUBuffer {
    const buffer = this.createBuffer(Math.max(4, data.byteLength), label);
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, alignTo4(data.byteLength) === data.byteLength ? data.byteLength : alignTo4(data.byteLength));
    return buffer;
  }

  /**
   * Overwrites part of an existing buffer, after everything recorded so far.
   * NOTE: a queue write runs before work recorded but not yet submitted, so recorded work is
   * submitted first; otherwise a step could read the values meant for the next one.
   */
  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.assertAlive();
    if (this.encoder) this.flush();
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Gives a buffer back to the pool; it is reused after the next submit. */
  release(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  /** Records a buffer-to-buffer copy in order with the dispatches around it. */
  copy(source: GPUBuffer, destination: GPUBuffer, byteLength: number, sourceOffset = 0, destinationOffset = 0): void {
    this.assertAlive();
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, alignTo4(byteLength));
  }

  /** Records a zero fill of a buffer (clearBuffer). */
  clear(buffer: GPUBuffer, byteLength = buffer.size, byteOffset = 0): void {
    this.assertAlive();
    this.endPass();
    this.commandEncoder().clearBuffer(buffer, byteOffset, alignTo4(byteLength));
  }

  /** Submits what has been recorded (one command buffer). */
  flush(): void {
    if (!this.encoder) {
      // Nothing recorded can still read a released buffer: they are free at once.
      this.pool.afterSubmit();
      return;
    }
    this.assertAlive();
    this.endPass();
    const kernels = [...this.kernelsInSegment];
    const commands = this.encoder.finish({ label: `duet.submit#${this.submits}` });
    this.encoder = null;
    this.device.queue.submit([commands]);
    this.submits++;
    if (this.submitsSinceIdle++ === 0) this.busySince = performance.now();
    this.watch(this.device.popErrorScope(), kernels, 'out-of-memory');
    this.watch(this.device.popErrorScope(), kernels, 'validation');
    this.kernelsInSegment = new Set();
    this.dispatchesInSegment = 0;
    this.pool.afterSubmit();
  }

  /** Submits, waits for the GPU to finish, and throws the first error it reported. */
  async sync(): Promise<void> {
    this.flush();
    await this.waitForQueue(this.adapter.isSoftware ? this.flags.syncSleepFraction : 0);
    await this.throwPendingErrors();
  }

  /**
   * Waits until the submitted work is done, first sleeping `sleepFraction` of the time it is
   * expected to take still, and updates that expectation (ms per submit since the queue was
   * last idle, learnt only from waits that outlasted the sleep). NOTE: a sleep that outlasted
   * the work drops the estimate, so one mistaken estimate (work that shrank) costs one sync,
   * and the estimate never grows from its own sleeps.
   */
  private async waitForQueue(sleepFraction: number): Promise<void> {
    const submits = this.submitsSinceIdle;
    const since = this.busySince;
    let slept = false;
    if (submits > 0 && sleepFraction > 0 && this.msPerSubmit > 0) {
      const nap = (since + submits * this.msPerSubmit - performance.now()) * sleepFraction;
      if (nap >= 2) {
        await new Promise((resolve) => setTimeout(resolve, nap));
        slept = true;
      }
    }
    const napEnd = performance.now();
    await this.waitFor(this.device.queue.onSubmittedWorkDone());
    const done = performance.now();
    this.submitsSinceIdle = 0;
    if (submits === 0) return;
    // A wait that found the work already done (done ~ napEnd) overslept by an unknown amount:
    // forget the estimate, so the next sync waits at once and measures the work afresh.
    if (slept && done - napEnd < 0.5) {
      this.msPerSubmit = this.lastMsPerSubmit = 0;
      return;
    }
    // The smaller of the last two measurements: one slow sync (a first run, a stall) sleeps nobody.
    const measured = (done - since) / submits;
    this.msPerSubmit = this.lastMsPerSubmit === 0 ? 0 : Math.min(this.lastMsPerSubmit, measured);
    this.lastMsPerSubmit = measured;
  }

  /**
   * Waits for one of the device's promises (onSubmittedWorkDone, mapAsync) as this context was
   * told to (ContextOptions.waitFor): in Node on a software adapter, without spinning.
   */
  async waitFor(done: Promise<unknown>): Promise<void> {
    if (this.options.waitFor) await this.options.waitFor(done);
    else await done;
  }

  /** Copies bytes of a buffer back to the CPU (submits first). */
  async read(buffer: GPUBuffer, byteLength = buffer.size, byteOffset = 0): Promise<ArrayBuffer> {
    this.assertAlive();
    const size = alignTo4(byteLength);
    const staging = this.pool.acquire(size, BufferUsage.MAP_READ | BufferUsage.COPY_DST, `readback(${buffer.label})`);
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
    this.flush();
    try {
      // The work before the copy (a training loop's steps) ends first: sleep through it as sync() does.
      await this.waitForQueue(this.adapter.isSoftware ? this.flags.syncSleepFraction : 0);
      await this.waitFor(staging.mapAsync(MAP_MODE_READ, 0, size));
    } catch (error) {
      await this.throwPendingErrors();
      this.assertAlive();
      throw error;
    }
    const copy = staging.getMappedRange(0, size).slice(0, byteLength);
    staging.unmap();
    this.pool.release(staging);
    await this.throwPendingErrors();
    return copy;
  }

  async readFloat32(buffer: GPUBuffer, count: number, offsetElements = 0): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, count * 4, offsetElements * 4));
  }

  async readUint32(buffer: GPUBuffer, count: number, offsetElements = 0): Promise<Uint32Array> {
    return new Uint32Array(await this.read(buffer, count * 4, offsetElements * 4));
  }

  /**
   * Wall-clock seconds of the GPU work `record` records, submitted alone and waited for.
   * (The benchmark app adds timestamp queries where the adapter has them.)
   * `sleepSeconds`: sleep this long before waiting. On a software adapter the wait polls
   * (dawn.node) and takes a core from the driver's threads that do the work, so a caller that
   * knows how long the work takes (a benchmark's earlier repetitions) sleeps through most of it.
   * A sleep longer than the work counts in the figure: pass less than the work takes.
   */
  async time(record: () => void, sleepSeconds = 0): Promise<number> {
    await this.sync();
    const start = performance.now();
    record();
    this.flush();
    if (sleepSeconds > 0) await new Promise((resolve) => setTimeout(resolve, sleepSeconds * 1000));
    await this.waitForQueue(0);
    const seconds = (performance.now() - start) / 1000;
    await this.throwPendingErrors();
    return seconds;
  }

  /**
   * Seconds per recording of `record`, timed as `time` does over as many copies in one submit as
   * fill about `minSeconds` by `estimate` (seconds of one run, from an earlier `time`), at most
   * 32. Submitting and waiting cost 0.1-0.3 ms on lavapipe, more than a small kernel itself:
   * timed one at a time, lab-cnn's Linear(760, 10) made the matmul tuner pick `naive` at 0.36 ms
   * a product over `subgroup` at 0.11.
   */
  async timeRepeated(record: () => void, estimate: number, minSeconds = 0.005): Promise<number> {
    const repeats = Math.max(1, Math.min(32, Math.ceil(minSeconds / Math.max(estimate, 1e-6))));
    return (await this.time(() => {
      for (let i = 0; i < repeats; i++) record();
    })) / repeats;
  }

  /**
   * How a tuner measures one candidate: a run that compiles its pipelines, one timed run (the
   * estimate timeRepeated sizes its submits by), then the best of `repetitions` timeRepeated
   * timings, stopping early once `enough(best)` holds (a candidate already far behind).
   */
  async timeBest(record: () => void, repetitions: number, enough: (best: number) => boolean = () => false): Promise<number> {
    await this.time(record);
    const estimate = await this.time(record);
    let best = estimate;
    for (let rep = 0; rep < repetitions && !enough(best); rep++) best = Math.min(best, await this.timeRepeated(record, estimate));
    return best;
  }

  /**
   * Picks a variant of a kernel for this adapter: remembered in the tuning store, else timed
   * once (`measure` returns seconds; lower wins) and remembered.
   */
  async choose<T extends string>(key: string, candidates: readonly T[], measure: (candidate: T) => Promise<number>): Promise<T> {
    const storeKey = this.tuningKey(key);
    const known = this.tuning.get(storeKey);
    if (known && (candidates as readonly string[]).includes(known)) return known as T;
    let best = candidates[0];
    let bestTime = Infinity;
    for (const candidate of candidates) {
      const seconds = await measure(candidate);
      if (seconds < bestTime) {
        bestTime = seconds;
        best = candidate;
      }
    }
    this.tuning.set(storeKey, best);
    return best;
  }

  /**
   * Notes that a kernel ran a shape with its default variant because nothing was measured for
   * it yet; `tune` measures it (through choose()). Dispatch is synchronous and timing is not, so
   * the measuring waits for tunePending(), which a training loop calls after its first step.
   */
  noteUntuned(key: string, tune: () => Promise<unknown>): void {
    if (!this.untuned.has(key) && this.chosen(key) === undefined) this.untuned.set(key, tune);
  }

  /**
   * Times the variants of every shape noted by noteUntuned (once per adapter and shape: choose()
   * remembers the winners, on disk in Node) and returns how many were tuned. Later dispatches of
   * those shapes use the winners.
   */
  async tunePending(): Promise<number> {
    const jobs = [...this.untuned.values()];
    this.untuned.clear();
    await this.sync();
    for (const job of jobs) await job();
    return jobs.length;
  }

  /** The variant remembered for `key` on this adapter, if any: the synchronous side of choose(). */
  chosen(key: string): string | undefined {
    return this.tuning.get(this.tuningKey(key));
  }

  /** Choices are remembered per adapter: one tuning file can serve several GPUs. */
  private tuningKey(key: string): string {
    return `${this.adapter.backend}:${this.adapter.name}:${key}`;
  }

  /** Destroys the device and every pooled buffer; afterwards Node can exit. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.encoder = null;
    this.pass = null;
    this.pool.destroy();
    for (const buffer of this.cachedUniforms) buffer.destroy();
    this.cachedUniforms.length = 0;
    this.bindGroups.clear();
    this.seenKeys.clear();
    this.pipelines.clear();
    this.modules.clear();
    this.device.destroy();
    this.options.onDispose?.();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.device.pushErrorScope('validation');
      this.device.pushErrorScope('out-of-memory');
      this.encoder = this.device.createCommandEncoder({ label: `duet.encoder#${this.submits}` });
    }
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass({ label: 'duet.pass' });
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private watch(scope: Promise<GPUError | null>, kernels: string[], kind: KernelError['kind']): void {
    this.errorChecks.push(scope.then((error) => (error ? this.attribute(error, kernels, kind) : null), () => null));
  }

  private attribute(error: GPUError, kernels: string[], kind?: KernelError['kind']): GpuError {
    const resolvedKind = kind === 'compilation' ? 'compilation' : error.constructor.name === 'GPUOutOfMemoryError' ? 'out-of-memory' : kind ?? 'validation';
    // Dawn quotes the labels of the objects involved: prefer the pipeline it names.
    const named = /\[(?:ComputePipeline|ShaderModule|BindGroup(?:Layout)?) "([^"]+)"\]/.exec(error.message)?.[1];
    const kernel = named ?? (kernels.length ? kernels.join(', ') : 'unknown');
    return new KernelError(kernel, resolvedKind, error.message);
  }

  private async throwPendingErrors(): Promise<void> {
    const checks = this.errorChecks.splice(0);
    const errors = (await Promise.all(checks)).filter((e): e is GpuError => e !== null);
    const first = this.uncaptured ?? errors[0];
    this.uncaptured = null;
    if (first) throw first;
  }

  private assertAlive(): void {
    if (this.disposed) throw new DeviceLostError('the GPU context was disposed');
    if (this.lost) {
      throw new DeviceLostError(
        `the GPU device was lost (${this.lost.reason}: ${this.lost.message.trim() || 'no detail'}); ` +
          'resume from the last checkpoint, or try another --adapter',
      );
    }
  }
}

function alignTo4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
