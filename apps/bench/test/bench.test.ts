import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const APP = resolve(__dirname, '..');
const BENCH = join(APP, 'dist/bench.js');
const IMPLS = ['duet', 'jax-webgpu', 'tfjs-webgpu', 'tfjs-cpu', 'pytorch-cpu'];

function bench(args: string[]) {
  return spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout: 300_000, cwd: APP });
}

describe('bench (the built app)', () => {
  let out: string;
  beforeAll(() => {
    // The test runs what `npm run bench` runs: the bundle, rebuilt from the current sources.
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: APP, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    out = mkdtempSync(join(tmpdir(), 'duet-bench-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('kernels --quick --json: every row follows the schema and passed its check', () => {
    const run = bench(['kernels', '--quick', '--json', '--filter', 'matmul-256,mnist-cnn-conv1:backwardWeight,logmel', '--out', out]);
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(run.stdout) as { adapter: Record<string, unknown>; commit: string; rows: Record<string, unknown>[] };
    expect(typeof doc.adapter.name).toBe('string');
    expect(doc.commit).toMatch(/^([0-9a-f]{40}(-dirty)?|unknown)$/);
    const workloads = new Set(doc.rows.map((r) => r.workload));
    expect([...workloads].sort()).toEqual(['conv2d:mnist-cnn-conv1:backwardWeight', 'logmel-64x1s', 'matmul-256']);
    for (const row of doc.rows) {
      expect(row.suite).toBe('kernels');
      expect(IMPLS).toContain(row.impl);
      expect(typeof row.backend).toBe('string');
      expect(['GFLOPS', 'clips/s']).toContain(row.unit);
      const [min, median, max] = [row.min, row.median, row.max] as number[];
      expect(min).toBeGreaterThan(0);
      expect(min).toBeLessThanOrEqual(median);
      expect(median).toBeLessThanOrEqual(max);
      expect(row.status, String(row.note)).toBe('passed');
    }
    // Each matmul variant, and the one the runtime picks.
    expect(doc.rows.filter((r) => r.workload === 'matmul-256').map((r) => r.variant)).toEqual(expect.arrayContaining(['naive', 'tiled', 'register', expect.stringMatching(/^runtime:/)]));
    // The same document lands in benchmarks/results.
    const files = readdirSync(join(out, 'benchmarks/results'));
    expect(files).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(out, 'benchmarks/results', files[0]), 'utf8'))).toEqual(doc);
  });

  it('exits 2 on an unknown suite or option', () => {
    expect(bench(['nope']).status).toBe(2);
    expect(bench(['kernels', '--nope']).status).toBe(2);
  });
});
