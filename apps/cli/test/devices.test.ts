import { describe, expect, it } from 'vitest';
import { duet } from './cli';

describe('duet devices', () => {
  it('--json prints one JSON document listing the adapters with their compute limits', () => {
    const run = duet(['devices', '--json']);
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as { adapters: { name: string; backend: string; software: boolean; default: boolean; limits: Record<string, number> }[] };
    expect(doc.adapters.length).toBeGreaterThan(0);
    expect(doc.adapters.filter((a) => a.default)).toHaveLength(1);
    for (const a of doc.adapters) {
      expect(a.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThan(0);
      expect(typeof a.software).toBe('boolean');
    }
    // CI has no GPU: the adapter there is lavapipe (a software Vulkan driver).
    if (process.env.CI === 'true') expect(doc.adapters.some((a) => a.software && /llvmpipe/.test(a.name))).toBe(true);
  });

  it('marks the adapter chosen by DUET_ADAPTER', () => {
    const run = duet(['devices', '--json'], { DUET_ADAPTER: 'llvmpipe' });
    const doc = JSON.parse(run.stdout) as { adapters: { name: string; default: boolean }[] };
    const chosen = doc.adapters.find((a) => a.default);
    if (doc.adapters.some((a) => /llvmpipe/.test(a.name))) expect(chosen?.name).toMatch(/llvmpipe/);
  });

  it('exits 2 on an unknown option', () => {
    expect(duet(['devices', '--nope']).status).toBe(2);
  });
});
