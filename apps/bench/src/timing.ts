/**
 * Timing: GPU timestamp queries around the recorded work where the adapter offers
 * 'timestamp-query', else wall clock around onSubmittedWorkDone() (ctx.time). Warm-up runs are
 * excluded; figures are min/median/max over the repetitions.
 */
import { BufferUsage, type GpuContext } from '@duet/gpu';

export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new Error('stats of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** Turns seconds per run into a rate: `work` units per run / seconds (min rate from max time). */
export function rate(seconds: Stats, work: number): Stats {
  return { min: work / seconds.max, median: work / seconds.median, max: work / seconds.min };
}

/**
 * One warm-up run (compiles, touches memory; excluded), then repetitions: fewer when the
 * warm-up was slow, so that --quick stays within its budget on a CPU driver.
 */
export async function timeRepeated(quick: boolean, once: () => Promise<number>): Promise<Stats> {
  const warm = await once();
  const reps = quick ? (warm > 1 ? 1 : 3) : warm > 5 ? 3 : 7;
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  return stats(times);
}

/** Seconds a recording takes on the GPU: timestamps when available, else wall clock. */
export interface GpuTimer {
  readonly method: 'timestamp-query' | 'wall-clock';
  time(record: () => void): Promise<number>;
  dispose(): void;
}

export function gpuTimer(ctx: GpuContext): GpuTimer {
  return ctx.hasTimestamps ? new TimestampTimer(ctx) : new WallClockTimer(ctx);
}

/**
 * How long to sleep before waiting for the next repetition: on a software adapter, the
 * context's syncSleepFraction of the shorter of the last two measurements (0 until there are
 * two, so a warm-up that compiled sleeps nobody), else 0. Waiting polls (dawn.node) and takes a
 * core from the driver's threads that run the work: on 2 cores, a 1024^3 matmul measured with a
 * busy wait ran at 0.64-0.71x the rate it reached when the wait slept.
 */
export class Nap {
  private last: number[] = [];

  constructor(private readonly ctx: Pick<GpuContext, 'adapter' | 'flags'>) {}

  seconds(): number {
    if (!this.ctx.adapter.isSoftware || this.last.length < 2) return 0;
    return Math.min(...this.last) * this.ctx.flags.syncSleepFraction;
  }

  measured(seconds: number): number {
    this.last = [...this.last.slice(-1), seconds];
    return seconds;
  }
}

/** Wall clock around onSubmittedWorkDone(); a sleep that outlasts the work counts (see Nap). */
class WallClockTimer implements GpuTimer {
  readonly method = 'wall-clock' as const;
  private readonly nap: Nap;

  constructor(private readonly ctx: GpuContext) {
    this.nap = new Nap(ctx);
  }

  async time(record: () => void): Promise<number> {
    return this.nap.measured(await this.ctx.time(record, this.nap.seconds()));
  }

  dispose(): void {}
}

/**
 * Brackets the work with two empty compute passes that write timestamps: one submitted before
 * the work (beginning-of-pass) and one after it (end-of-pass), so the context's own encoder
 * needs no hook. Queue order makes the pair enclose every dispatch `record` submits.
 */
class TimestampTimer implements GpuTimer {
  readonly method = 'timestamp-query' as const;
  private readonly querySet: GPUQuerySet;
  private readonly resolved: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly nap: Nap;

  constructor(private readonly ctx: GpuContext) {
    this.nap = new Nap(ctx);
    const device = ctx.device;
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2, label: 'bench.timestamps' });
    this.resolved = device.createBuffer({ size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC, label: 'bench.timestamps.resolved' });
    this.staging = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'bench.timestamps.staging' });
  }

  async time(record: () => void): Promise<number> {
    const { ctx } = this;
    const device = ctx.device;
    await ctx.sync();
    const begin = device.createCommandEncoder({ label: 'bench.timestamps.begin' });
    begin.beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0 } }).end();
    device.queue.submit([begin.finish()]);
    record();
    ctx.flush();
    const end = device.createCommandEncoder({ label: 'bench.timestamps.end' });
    end.beginComputePass({ timestampWrites: { querySet: this.querySet, endOfPassWriteIndex: 1 } }).end();
    end.resolveQuerySet(this.querySet, 0, 2, this.resolved, 0);
    end.copyBufferToBuffer(this.resolved, 0, this.staging, 0, 16);
    device.queue.submit([end.finish()]);
    // The timestamps bound the GPU interval, so a sleep here never counts in the figure.
    const nap = this.nap.seconds();
    if (nap > 0) await new Promise((resolve) => setTimeout(resolve, nap * 1000));
    await ctx.waitFor(this.staging.mapAsync(0x1 /* GPUMapMode.READ */));
    const [t0, t1] = new BigUint64Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    await ctx.sync();
    // Timestamps are nanoseconds; some drivers report 0 or a backwards pair when unsure.
    if (t1 <= t0) throw new Error(`timestamp-query gave an empty interval (${t0}..${t1})`);
    return this.nap.measured(Number(t1 - t0) / 1e9);
  }

  dispose(): void {
    this.querySet.destroy();
    this.resolved.destroy();
    this.staging.destroy();
  }
}

/** Wall-clock seconds of an async piece of work. */
export async function wallClock(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}
