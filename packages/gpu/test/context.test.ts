import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { expect } from 'vitest';
import { DeviceLostError, KernelError, STORAGE_USAGE, dispatch1d } from '../src/index';
import { acquireGpu, listAdapters } from '../src/node';
import { MemoryTuningStore } from '../src/tuning';
import { describeGpu, expectClose, itGpu } from '../src/testing';

// out[i] = a[i + far], then out[i + far] = 7: out of range for any far >= 8.
const OUT_OF_RANGE = `
struct Params { far: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  out[gid.x] = a[gid.x + params.far];
  out[gid.x + params.far] = 7.0;
}`;

const SCALE = /* wgsl */ `
override WG: u32 = 64u;
struct Params { size: u32, alpha: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.size) { return; }
  y[i] = params.alpha * x[i];
}`;

describeGpu('GpuContext', (gpu) => {
  itGpu('dispatches a reflected kernel, binds by name and packs params by member name', async () => {
    const ctx = gpu();
    const n = 1000;
    const data = Float32Array.from({ length: n }, (_, i) => i - 500);
    const x = ctx.upload(data, 'x');
    const y = ctx.createBuffer(n * 4, 'y');
    const kernel = ctx.kernel({ name: 'test/scale', source: SCALE, overrides: { WG: 32 } });
    expect(kernel.workgroupSize).toEqual([32, 1, 1]);
    ctx.dispatch(kernel, { x, y }, { size: n, alpha: -2.5 }, dispatch1d(n, 32));
    const out = await ctx.readFloat32(y, n);
    expectClose(out, data.map((v) => -2.5 * v), 0, 0);
    ctx.release(x);
    ctx.release(y);
  });

  itGpu('reuses a bind group only for the same kernel, buffers and params values', async () => {
    const ctx = gpu();
    const n = 37;
    const data = Float32Array.from({ length: n }, (_, i) => i - 18);
    const x = ctx.upload(data, 'x');
    const y = ctx.createBuffer(n * 4, 'y');
    const kernel = ctx.kernel({ name: 'test/scale', source: SCALE });
    const device = ctx.device as GPUDevice & { createBindGroup: GPUDevice['createBindGroup'] };
    const create = device.createBindGroup.bind(device);
    let created = 0;
    device.createBindGroup = (descriptor) => (created++, create(descriptor));
    try {
      // A combination is remembered at its second dispatch: alpha 2 makes a bind group at its
      // first two dispatches and none after; alpha -3, dispatched once, makes one.
      const made = [1, 1, 0, 1, 0];
      for (const [i, alpha] of [2, 2, 2, -3, 2].entries()) {
        const before = created;
        ctx.dispatch(kernel, { x, y }, { size: n, alpha }, dispatch1d(n, 64));
        expectClose(await ctx.readFloat32(y, n), data.map((v) => alpha * v), 0, 0);
        expect(created - before, `bind groups made by dispatch ${i} (alpha ${alpha})`).toBe(made[i]);
      }
      const other = ctx.createBuffer(n * 4, 'other');
      const before = created;
      ctx.dispatch(kernel, { x, y: other }, { size: n, alpha: 2 }, dispatch1d(n, 64));
      expect(created).toBe(before + 1);
      expectClose(await ctx.readFloat32(other, n), data.map((v) => 2 * v), 0, 0);
      ctx.release(other);
    } finally {
      device.createBindGroup = create;
    }
    ctx.release(x);
    ctx.release(y);
  });

  itGpu('caches pipelines by name and override values', () => {
    const ctx = gpu();
    const a = ctx.kernel({ name: 'test/scale', source: SCALE, overrides: { WG: 64 } });
    const b = ctx.kernel({ name: 'test/scale', source: SCALE, overrides: { WG: 64 } });
    const c = ctx.kernel({ name: 'test/scale', source: SCALE, overrides: { WG: 128 } });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(c.workgroupSize[0]).toBe(128);
  });

  itGpu('rejects unknown bindings and missing params with the kernel name', () => {
    const ctx = gpu();
    const kernel = ctx.kernel({ name: 'test/scale', source: SCALE });
    const x = ctx.createBuffer(16, 'x');
    expect(() => ctx.dispatch(kernel, { x, y: x, z: x }, { size: 1, alpha: 1 }, [1])).toThrow(/test\/scale.*no binding 'z'/);
    expect(() => ctx.dispatch(kernel, { x, y: x }, { size: 1 }, [1])).toThrow(/test\/scale.*params\.alpha/);
    ctx.release(x);
  });

  itGpu('turns a WebGPU validation error into a KernelError naming the kernel', async () => {
    const ctx = gpu();
    const kernel = ctx.kernel({ name: 'test/scale', source: SCALE });
    // A buffer without STORAGE usage bound as storage is a validation error.
    const wrong = ctx.createBuffer(64, 'not-storage', 0x4 | 0x8);
    const y = ctx.createBuffer(64, 'y');
    ctx.dispatch(kernel, { x: wrong, y }, { size: 16, alpha: 1 }, [1]);
    const error = await ctx.sync().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).message).toMatch(/test\/scale/);
    // The context stays usable afterwards.
    await ctx.sync();
  });

  itGpu('orders a write after the work recorded before it', async () => {
    const ctx = gpu();
    const y = ctx.upload(new Float32Array([1, 2, 3, 4]), 'y');
    ctx.clear(y, 16);
    ctx.write(y, new Float32Array([5, 6]));
    expect([...(await ctx.readFloat32(y, 4))]).toEqual([5, 6, 0, 0]);
    ctx.release(y);
  });

  itGpu('reuses a released buffer only after the next submit', () => {
    const ctx = gpu();
    const inUseBefore = ctx.poolStats.bytesInUse;
    const a = ctx.createBuffer(4096, 'a');
    ctx.release(a);
    const b = ctx.createBuffer(4096, 'b');
    expect(b).not.toBe(a);
    ctx.flush();
    const c = ctx.createBuffer(4090, 'c');
    expect(c).toBe(a);
    expect(c.label).toBe('c');
    ctx.release(b);
    ctx.release(c);
    expect(ctx.poolStats.bytesInUse).toBe(inUseBefore);
  });

  itGpu('timeRepeated records enough copies in one submit to fill minSeconds, and divides by them', async () => {
    const ctx = gpu();
    const submit = ctx.device.queue.submit.bind(ctx.device.queue);
    let submits = 0;
    ctx.device.queue.submit = (buffers) => {
      submits++;
      submit(buffers);
    };
    try {
      let records = 0;
      const y = ctx.upload(new Float32Array(4), 'y');
      const record = () => {
        records++;
        ctx.clear(y, 16);
      };
      const perRun = await ctx.timeRepeated(record, 0.001, 0.005);
      expect(records, '5 ms of 1 ms runs').toBe(5);
      expect(submits).toBe(1);
      const whole = await ctx.time(() => {
        for (let i = 0; i < 5; i++) record();
      });
      expect(perRun).toBeGreaterThan(0);
      expect(perRun, 'per run, not per submit').toBeLessThan(whole);
      records = 0;
      await ctx.timeRepeated(record, 1e-9);
      expect(records, 'at most 32 copies').toBe(32);
      records = 0;
      await ctx.timeRepeated(record, 0.5);
      expect(records, 'a slow run is timed once').toBe(1);
      ctx.release(y);
    } finally {
      ctx.device.queue.submit = submit;
    }
  });

  itGpu('refuses a buffer larger than the adapter allows, naming the limit', () => {
    const ctx = gpu();
    const huge = ctx.limits.maxStorageBufferBindingSize + 1024;
    expect(() => ctx.createBuffer(huge, 'huge', STORAGE_USAGE)).toThrow(/maxStorageBufferBindingSize.*--batch-size/);
  });
});

describeGpu('adapters', () => {
  itGpu('lists at least one adapter, with name, backend and whether it is software', async () => {
    const adapters = await listAdapters();
    expect(adapters.length).toBeGreaterThan(0);
    for (const a of adapters) {
      expect(a.name).toBeTruthy();
      expect(a.backend).not.toBe('null');
      expect(typeof a.isSoftware).toBe('boolean');
      expect(a.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
      // What a software adapter computes on (kernels split their work by it).
      expect(a.hostThreads).toBe(availableParallelism());
    }
    if (process.env.CI === 'true') expect(adapters.some((a) => /llvmpipe|swiftshader/i.test(a.name))).toBe(true);
  });

  // Duet turns robustBufferAccess off on lavapipe (GpuFlags.lavapipeRobustness) because the
  // driver checks every storage access itself: this is that promise.
  itGpu('on lavapipe, without robustBufferAccess, a read out of range gives 0 and a write is dropped', async () => {
    const ctx = await acquireGpu({ tuning: new MemoryTuningStore() });
    try {
      if (!/llvmpipe/i.test(ctx.adapter.name) || ctx.adapter.backend !== 'vulkan') return;
      expect(ctx.adapter.dawnToggles).toEqual(['disable_robustness']);
      const kernel = ctx.kernel({ name: 'test/out_of_range', source: OUT_OF_RANGE });
      const a = ctx.upload(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), 'a');
      // Buffers allocated around the written one must keep their values.
      const before = ctx.upload(new Float32Array(4096).fill(9), 'before');
      const out = ctx.createBuffer(32, 'out');
      const after = ctx.upload(new Float32Array(4096).fill(9), 'after');
      for (const far of [8, 1000, 1 << 20, 1 << 28]) {
        ctx.dispatch(kernel, { a, out }, { far }, [1]);
        expect([...(await ctx.readFloat32(out, 8))], `reads ${far} past the start`).toEqual(new Array(8).fill(0));
        for (const guard of [before, after]) expect((await ctx.readFloat32(guard, 4096)).every((v) => v === 9), `writes ${far} past the end`).toBe(true);
      }
      // In range it reads and writes as usual.
      ctx.dispatch(kernel, { a, out }, { far: 0 }, [1]);
      expect([...(await ctx.readFloat32(out, 8))]).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
      for (const b of [a, before, out, after]) ctx.release(b);
    } finally {
      ctx.dispose();
    }
    const robust = await acquireGpu({ tuning: new MemoryTuningStore(), flags: { lavapipeRobustness: true } });
    expect(robust.adapter.dawnToggles).toBeUndefined();
    robust.dispose();
  });

  itGpu('reports a lost device as a DeviceLostError with its reason and what to do', async () => {
    const ctx = await acquireGpu({ tuning: new MemoryTuningStore() });
    const kernel = ctx.kernel({ name: 'test/scale', source: SCALE });
    // Destroying the device is the one way WebGPU offers to lose it on purpose.
    ctx.device.destroy();
    await ctx.device.lost;
    const error = (() => {
      try {
        ctx.dispatch(kernel, {}, { size: 1, alpha: 1 }, [1]);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DeviceLostError);
    expect((error as Error).message).toMatch(/device was lost \(destroyed.*resume from the last checkpoint/);
    ctx.dispose();
  });

  itGpu('lets Node exit after dispose()', async () => {
    // Inside the repository, so the bundle resolves 'webgpu' from its node_modules.
    const cache = resolve(__dirname, '../../../node_modules/.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'duet-exit-'));
    const entry = join(dir, 'main.ts');
    writeFileSync(
      entry,
      `import { acquireGpu } from ${JSON.stringify(resolve(__dirname, '../src/node.ts'))};
       const ctx = await acquireGpu();
       const b = ctx.upload(new Float32Array([1, 2, 3]), 'b');
       console.log((await ctx.readFloat32(b, 3)).join(','));
       ctx.dispose();`,
    );
    const out = join(dir, 'main.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, external: ['webgpu'], logLevel: 'error' });
    const run = spawnSync(process.execPath, [out], { timeout: 30_000, encoding: 'utf8', cwd: resolve(__dirname, '..')  });
    expect(run.error).toBeUndefined();
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.stdout.trim()).toBe('1,2,3');
    expect(run.status).toBe(0);
  }, 60_000);
});
