/** The benchmark app's vocabulary: rows, suites, and what a suite gets to run with. */
import type { GpuContext } from '@duet/gpu';

/** Who computed a row (the fixed list). */
export const IMPLS = ['duet', 'jax-webgpu', 'tfjs-webgpu', 'tfjs-cpu', 'pytorch-cpu'] as const;
export type Impl = (typeof IMPLS)[number];

/** Higher is better for rates; for 's' (first-step time) lower is better. */
export type Unit = 'GFLOPS' | 'GB/s' | 'clips/s' | 'samples/s' | 's';

/** One measured figure. The first eight fields are the JSON schema; the rest explain it. */
export interface Row {
  readonly suite: string;
  /** Same string for the same work across impls: 'matmul-1024', 'lab-cnn', … */
  readonly workload: string;
  readonly impl: Impl;
  /** Where it ran: the adapter for WebGPU impls, 'cpu (1 thread)' for PyTorch, … */
  readonly backend: string;
  readonly unit: Unit;
  /** null when the row did not run (see `status` and `note`). */
  readonly min: number | null;
  readonly median: number | null;
  readonly max: number | null;
  /** Kernel variant measured, or 'runtime:<variant>' for the one Duet's runtime picks. */
  readonly variant?: string;
  /** 'passed': the result was checked; 'failed': wrong answer (fails the run); 'skipped': not run. */
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly note?: string;
}

/** Options every suite sees (from the command line). */
export interface RunOptions {
  readonly quick: boolean;
  /** Substring filters on workload names; empty: everything. */
  readonly filters: readonly string[];
  /** Adapter substring (as `duet --adapter`). */
  readonly adapter?: string;
  /** Impls the peers suite runs (Duet always runs). */
  readonly impls: readonly Impl[];
  /** Skip the cold/warm first-step child processes. */
  readonly noStartup: boolean;
}

/** What a suite runs with: Duet's context, the options, a sink for rows and a progress line. */
export interface SuiteContext {
  readonly ctx: GpuContext;
  readonly options: RunOptions;
  /** Dawn's name of the adapter Duet uses: peers open the same one. */
  readonly dawnAdapter: { readonly backend: string; readonly name: string };
  emit(row: Row): void;
  log(line: string): void;
  /** True when the workload passes --filter. */
  wants(workload: string): boolean;
}

export interface Suite {
  readonly name: string;
  readonly describe: string;
  run(s: SuiteContext): Promise<void>;
}

/** A row for work that did not run, with the reason. */
export function skippedRow(base: Omit<Row, 'min' | 'median' | 'max' | 'status'>): Row {
  return { ...base, min: null, median: null, max: null, status: 'skipped' };
}
