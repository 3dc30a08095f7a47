/**
 * Node entry: the device comes from Dawn (npm `webgpu`). This is the only module in Duet that
 * imports `webgpu`. It prefers a hardware adapter and falls back on a software Vulkan driver
 * (Mesa's lavapipe, SwiftShader) by itself; `--adapter` / DUET_ADAPTER pick one by substring.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from 'webgpu';
import { computeLimits, optionalFeatures, requiredLimits, summarizeAdapter } from './adapter_info';
import { GpuContext, type AdapterSummary, type ContextOptions } from './context';
import { NoAdapterError } from './errors';
import { defaultFlags } from './flags';
import type { TuningStore } from './tuning';

export * from './index';

/** One adapter Dawn can open, as `duet devices` reports it. */
export interface AdapterEntry extends AdapterSummary {
  /** Dawn's own name for it (what `adapter=` matches). */
  readonly dawnName: string;
  readonly limits: Record<string, number>;
  readonly features: string[];
}

export interface NodeGpuOptions extends ContextOptions {
  /** Substring of the adapter's name, vendor or backend; defaults to $DUET_ADAPTER. */
  readonly adapter?: string;
}

/** Environment variable that picks an adapter when `--adapter` is not given. */
export const ADAPTER_ENV = 'DUET_ADAPTER';

const LISTING = /\*\s*backend:\s*'([^']+)',\s*name:\s*'([^']*)'/g;

/** Every adapter Dawn can open on this machine (Dawn's null backend excluded), hardware first. */
export async function listAdapters(): Promise<AdapterEntry[]> {
  const listed = await listDawnAdapters();
  const entries: AdapterEntry[] = [];
  for (const { backend, name } of listed) {
    const adapter = await create([`backend=${backend}`, `adapter=${name}`]).requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) continue;
    const summary = summarizeAdapter(adapter, backend, name, availableParallelism());
    entries.push({ ...summary, dawnName: name, limits: computeLimits(adapter.limits), features: [...adapter.features].sort() });
  }
  return entries.sort((a, b) => Number(a.isSoftware) - Number(b.isSoftware));
}

/** Opens a device on the best (or the chosen) adapter and wraps it in a GpuContext. */
export async function acquireGpu(options: NodeGpuOptions = {}): Promise<GpuContext> {
  const choice = options.adapter ?? process.env[ADAPTER_ENV] ?? '';
  const tried: string[] = [];
  const entries = await listAdapters().catch((error: Error) => {
    tried.push(`listing Dawn's adapters failed: ${error.message.split('\n')[0]}`);
    return [] as AdapterEntry[];
  });
  tried.push(`Dawn listed ${entries.length ? entries.map((e) => `${e.name} (${e.backend})`).join(', ') : 'no adapter'}`);
  let picked: AdapterEntry | undefined;
  if (choice) {
    const needle = choice.toLowerCase();
    picked = entries.find((e) => `${e.name} ${e.dawnName} ${e.vendor} ${e.backend} ${e.description}`.toLowerCase().includes(needle));
    if (!picked) {
      throw new NoAdapterError(
        `no adapter matches '${choice}' (from ${options.adapter ? '--adapter' : ADAPTER_ENV}); available: ` +
          (entries.length ? entries.map((e) => `'${e.name}' [${e.backend}]`).join(', ') : 'none'),
      );
    }
  } else {
    picked = entries[0];
  }
  const flags = { ...defaultFlags, ...options.flags };
  // lavapipe bounds-checks storage accesses itself; robustBufferAccess only costs there (GpuFlags.lavapipeRobustness).
  const toggles = picked && picked.backend === 'vulkan' && /llvmpipe/i.test(picked.name) && !flags.lavapipeRobustness ? ['disable_robustness'] : [];
  const dawnFlags = picked ? [`backend=${picked.backend}`, `adapter=${picked.dawnName}`] : [];
  if (toggles.length) dawnFlags.push(`enable-dawn-features=${toggles.join(',')}`);
  let gpu: GPU | null = create(dawnFlags);
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter && !picked) {
    tried.push('requestAdapter() found none');
    adapter = await gpu.requestAdapter({ forceFallbackAdapter: true });
    if (!adapter) tried.push('requestAdapter({ forceFallbackAdapter: true }) found none');
  }
  if (!adapter) throw new NoAdapterError(noAdapterHelp(tried));
  const summary = {
    ...summarizeAdapter(adapter, picked?.backend, picked?.name, availableParallelism()),
    ...(toggles.length ? { dawnToggles: toggles } : {}),
  };
  const device = await adapter.requestDevice({ label: 'duet', requiredLimits: requiredLimits(adapter), requiredFeatures: optionalFeatures(adapter) });
  const slice = flags.pollSliceMs;
  return new GpuContext(device, summary, {
    ...(summary.isSoftware && slice > 0 ? { waitFor: drowsyWait(slice) } : {}),
    ...options,
    tuning: options.tuning ?? new FileTuningStore(defaultTuningPath()),
    onDispose: () => {
      // Node does not exit while the object create() returned is reachable.
      gpu = null;
      adapter = null;
      options.onDispose?.();
    },
  });
}

/** Dawn's own list of adapters: it names them all in the error for an adapter name that matches none. */
export async function listDawnAdapters(): Promise<{ backend: string; name: string }[]> {
  try {
    await create(['adapter=\u0001duet-list-adapters']).requestAdapter();
  } catch (error) {
    return parseListing(String((error as Error).message));
  }
  return [];
}

function parseListing(message: string): { backend: string; name: string }[] {
  const found: { backend: string; name: string }[] = [];
  for (const m of message.matchAll(LISTING)) if (m[1] !== 'null') found.push({ backend: m[1], name: m[2] });
  return found;
}

function noAdapterHelp(tried: string[]): string {
  return (
    `no WebGPU adapter found (tried: ${tried.join('; ')}). ` +
    'On a machine without a GPU install a software Vulkan driver Dawn accepts: on Debian bookworm, ' +
    'Mesa 25 from bookworm-backports (`bash .ci/install-system.sh`, or apt-get install -t bookworm-backports ' +
    'mesa-vulkan-drivers libvulkan1); with a GPU, install its Vulkan driver'
  );
}

/** Where the tuning choices live: $DUET_CACHE, else $XDG_CACHE_HOME/duet, else ~/.cache/duet. */
export function defaultTuningPath(): string {
  const base = process.env.DUET_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'duet');
  return join(base, 'tuning.json');
}

/** A JSON file of tuning choices, rewritten atomically (temp file + rename) on every change. */
export class FileTuningStore implements TuningStore {
  private entries: Record<string, string> = {};
  constructor(private readonly path: string) {
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') this.entries[k] = v;
      }
    } catch {
      // Missing or unreadable: start empty, the file is rewritten on the first choice.
    }
  }
  get(key: string): string | undefined {
    return this.entries[key];
  }
  set(key: string, value: string): void {
    this.entries[key] = value;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const temp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(this.entries, null, 2));
      renameSync(temp, this.path);
    } catch {
      // A read-only cache only costs re-timing next run.
    }
  }
}

/**
 * A wait for one of Dawn's promises that does not spin: dawn.node resolves them from a
 * setImmediate loop that runs as long as any is pending, so a plain await keeps the JS thread
 * busy, and on a software adapter that is a core taken from the driver's threads doing the work
 * (2 cores: lavapipe's two threads and the spinning loop share them). Blocking the thread for
 * `sliceMs` (Atomics.wait, which Node allows on its main thread) before each turn of the loop
 * makes the spin a poll every slice; the promise settles at most a slice late.
 */
export function drowsyWait(sliceMs: number): (done: Promise<unknown>) => Promise<void> {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return async (done) => {
    let settled = false;
    const mark = () => {
      settled = true;
    };
    done.then(mark, mark);
    while (!settled) {
      Atomics.wait(cell, 0, 0, sliceMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
  };
}
