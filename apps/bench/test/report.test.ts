import { describe, expect, it } from 'vitest';
import { checkMatmul, seededValues } from '../src/check';
import { filterSlugs, formatTable, hostSummary, ratio } from '../src/report';
import { rate, stats } from '../src/timing';
import type { Row } from '../src/types';

const row = (impl: Row['impl'], median: number, extra: Partial<Row> = {}): Row => ({
  suite: 'peers', workload: 'matmul-1024', impl, backend: 'b', unit: 'GFLOPS', min: median, median, max: median, status: 'passed', ...extra,
});

describe('stats and rates', () => {
  it('takes min, median (even count: mean of the middle two) and max', () => {
    expect(stats([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(stats([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4 });
  });
  it('turns seconds into a rate, the slowest run giving the minimum', () => {
    expect(rate({ min: 1, median: 2, max: 4 }, 8)).toEqual({ min: 2, median: 4, max: 8 });
  });
});

describe('Duet/peer ratio', () => {
  it("compares against Duet's runtime pick of the same workload, as speed", () => {
    const rows = [row('duet', 2, { variant: 'naive' }), row('duet', 6, { variant: 'runtime:register' }), row('jax-webgpu', 3)];
    expect(ratio(rows, rows[2])).toBe(2);
    expect(ratio(rows, rows[1])).toBeNull();
  });
  it('inverts for seconds, where lower is better', () => {
    const rows = [row('duet', 2, { unit: 's' }), row('tfjs-webgpu', 10, { unit: 's' })];
    expect(ratio(rows, rows[1])).toBe(5);
  });
  it('prefers the Duet row of the same suite', () => {
    const rows = [row('duet', 100, { suite: 'train' }), row('duet', 50), row('pytorch-cpu', 25)];
    expect(ratio(rows, rows[2])).toBe(2);
    expect(formatTable(rows)).toContain('2.00x');
  });
});

describe('checkMatmul', () => {
  it('passes the true product and names the first wrong element', () => {
    const [m, n, k] = [5, 7, 3];
    const a = seededValues(m * k, 1);
    const b = seededValues(k * n, 2);
    const c = new Float32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) c[i * n + j] += a[i * k + p] * b[p * n + j];
    expect(checkMatmul(a, b, c, m, n, k)).toBeNull();
    c[0] += 0.01;
    expect(checkMatmul(a, b, c, m, n, k)).toMatch(/^c\[0, 0\]/);
  });
});

describe('results file name', () => {
  it('carries each --filter, so runs with different filters do not overwrite one file', () => {
    expect(filterSlugs(['lab-cnn'])).toEqual(['filtered-lab-cnn']);
    expect(filterSlugs(['matmul-1024', 'Conv2D:lab'])).toEqual(['filtered-matmul-1024', 'filtered-conv2d-lab']);
    expect(filterSlugs(['lab-cnn'])).not.toEqual(filterSlugs(['mnist-cnn']));
    expect(filterSlugs(['::'])).toEqual(['filtered']);
    expect(filterSlugs([])).toEqual([]);
  });
});

describe('host summary', () => {
  const cpuinfo = [
    'processor\t: 0', 'vendor_id\t: AuthenticAMD', 'cpu family\t: 25', 'model\t\t: 17', 'model name\t: AMD EPYC',
    'flags\t\t: fpu sse sse2 avx fma avx2 avx512f avx512vl', '', 'processor\t: 1', 'model name\t: AMD EPYC',
  ].join('\n');
  it("names the processor with its family and model, and the vector extensions lavapipe can use", () => {
    const host = hostSummary(cpuinfo);
    expect(host.cpu).toBe('AMD EPYC (family 25, model 17)');
    expect(host.vector).toEqual(['avx', 'avx2', 'fma', 'avx512f']);
    expect(host.cores).toBeGreaterThan(0);
    expect(host.node).toBe(process.version);
  });
  it('keeps an AVX2-only machine apart from an AVX-512 one', () => {
    expect(hostSummary(cpuinfo.replace(' avx512f avx512vl', '')).vector).toEqual(['avx', 'avx2', 'fma']);
  });
  it('falls back to what Node reports without /proc/cpuinfo', () => {
    const host = hostSummary('');
    expect(host.cpu).not.toContain('family');
    expect(host.vector).toEqual([]);
  });
});
