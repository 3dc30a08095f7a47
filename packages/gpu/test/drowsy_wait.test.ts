import { describe, expect, it } from 'vitest';
import { drowsyWait } from '../src/node';

const after = <T>(ms: number, settle: (resolve: (v: T) => void, reject: (e: unknown) => void) => void) =>
  new Promise<T>((resolve, reject) => setTimeout(() => settle(resolve, reject), ms));

describe('drowsyWait (waiting for a Dawn promise without spinning)', () => {
  it('returns once the promise resolves, and rethrows its rejection', async () => {
    const wait = drowsyWait(1);
    let resolved = false;
    await wait(after(20, (resolve) => resolve((resolved = true))));
    expect(resolved).toBe(true);
    await expect(wait(after(5, (_, reject) => reject(new Error('mapAsync failed'))))).rejects.toThrow('mapAsync failed');
  });

  it('sleeps between turns: a 100 ms wait uses a small part of a core, where a setImmediate spin uses all of it', async () => {
    const cpuDuring = async (wait: () => Promise<void>) => {
      const before = process.cpuUsage();
      const start = performance.now();
      await wait();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / (performance.now() - start);
    };
    const spin = async () => {
      const done = after(100, (resolve) => resolve(undefined));
      let settled = false;
      done.then(() => (settled = true));
      while (!settled) await new Promise((resolve) => setImmediate(resolve));
    };
    const spinning = await cpuDuring(spin);
    const drowsy = await cpuDuring(() => drowsyWait(2)(after(100, (resolve) => resolve(undefined))));
    // Loose bounds: other test files may share the cores. The spin is near 1, the poll near 0.02.
    expect(spinning, 'the spin this replaces keeps the thread busy').toBeGreaterThan(0.3);
    expect(drowsy).toBeLessThan(Math.min(0.2, spinning / 3));
  });
});
