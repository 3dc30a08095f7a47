/** The two outputs of a run: the JSON document (file + --json) and the table with Duet/peer ratios. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import type { AdapterSummary } from '@duet/gpu';
import type { Row } from './types';

/** The issue's document: { adapter, commit, rows }, plus the date, the mode of the run and the host. */
export interface BenchDocument {
  readonly adapter: AdapterSummary & { readonly timing: string };
  readonly host: HostSummary;
  readonly commit: string;
  readonly date: string;
  readonly quick: boolean;
  readonly rows: readonly Row[];
}

/** The checked-out commit ('unknown' outside a git checkout), with '-dirty' for local changes. */
export function gitCommit(cwd: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * The machine under the figures. A software adapter is the host's CPU, and the same kernels on
 * two 2-core "AMD EPYC" VMs ran a 1024^3 matmul at 17 and 48 GFLOPS (kernels suite), so a
 * result names the processor (with its x86 family/model where /proc/cpuinfo gives them) and the
 * vector extensions lavapipe compiles for.
 */
export interface HostSummary {
  readonly cpu: string;
  readonly cores: number;
  /** Which of the x86 vector extensions avx, avx2, fma and avx512f the CPU has (empty off x86 or without /proc/cpuinfo). */
  readonly vector: readonly string[];
  readonly os: string;
  readonly node: string;
}

const VECTOR_FLAGS = ['avx', 'avx2', 'fma', 'avx512f'];

/** HostSummary from /proc/cpuinfo's text (empty elsewhere) and what Node reports. */
export function hostSummary(cpuinfo: string = readCpuinfo()): HostSummary {
  const field = (name: string): string | undefined => cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
  const model = field('model name') ?? cpus()[0]?.model?.trim() ?? 'unknown';
  const family = field('cpu family');
  const modelNumber = field('model');
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  return {
    cpu: family !== undefined && modelNumber !== undefined ? `${model} (family ${family}, model ${modelNumber})` : model,
    cores: cpus().length,
    vector: VECTOR_FLAGS.filter((f) => flags.has(f)),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** Lower-case letters and digits joined by single hyphens: safe in a file name on every OS. */
function fileSafe(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/**
 * The --filter substrings as parts of the results file's name (`lab-cnn`, `matmul-1024`), so
 * runs with different filters on one day keep their own files instead of overwriting one
 * `-filtered.json`.
 */
export function filterSlugs(filters: readonly string[]): string[] {
  return filters.map((f) => fileSafe(f)).map((slug) => (slug ? `filtered-${slug}` : 'filtered'));
}

/**
 * benchmarks/results/<date>-<adapter>[-<suites>][-quick].json (the adapter name made
 * file-safe); the suites are named when the run did not cover them all, so a run of one suite
 * does not overwrite a full one.
 */
export function writeResults(root: string, doc: BenchDocument, partial: readonly string[] = []): string {
  const slug = fileSafe(doc.adapter.name) || 'adapter';
  const dir = join(root, 'benchmarks', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${doc.date.slice(0, 10)}-${slug}${partial.map((p) => `-${p}`).join('')}${doc.quick ? '-quick' : ''}.json`);
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
  return path;
}

/**
 * Duet's figure for a workload: the row of the variant the runtime picks, else the only Duet
 * row. Duet/peer compares speeds, so for seconds (lower is better) it is peer time / Duet time.
 */
export function duetReference(rows: readonly Row[], row: Row): Row | undefined {
  const all = rows.filter((r) => r.impl === 'duet' && r.workload === row.workload && r.unit === row.unit && r.median !== null);
  // Prefer Duet's figure from the same suite (the same run of alternating turns).
  const same = all.filter((r) => r.suite === row.suite);
  const duet = same.length ? same : all;
  return duet.find((r) => r.variant?.startsWith('runtime')) ?? (duet.length === 1 ? duet[0] : duet.find((r) => r.variant === undefined));
}

export function ratio(rows: readonly Row[], row: Row): number | null {
  if (row.impl === 'duet' || row.median === null) return null;
  const duet = duetReference(rows, row);
  if (!duet || duet.median === null) return null;
  return row.unit === 's' ? row.median / duet.median : duet.median / row.median;
}

const fmt = (v: number | null): string => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(3) : v.toExponential(2));

/** The table: one line per row, peers carrying the Duet/peer speed ratio of their workload. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['suite', 'workload', 'impl', 'variant', 'backend', 'unit', 'min', 'median', 'max', 'duet/peer', 'check'];
  const lines = rows.map((r) => {
    const q = ratio(rows, r);
    return [r.suite, r.workload, r.impl, r.variant ?? '', r.backend, r.unit, fmt(r.min), fmt(r.median), fmt(r.max), q === null ? '' : `${q.toFixed(2)}x`, r.status + (r.note ? ` (${r.note})` : '')];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (i === header.length - 1 ? 0 : l[i].length))));
  const render = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}
