/** Split CSV files on disk: written atomically, read back with every line checked. Node only. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError } from './errors';
import { escapesBase, formatSplitCsv, isAbsolutePath, parseSplitCsv, type SplitRow } from './split_csv';
import type { Split } from './split';

export interface ResolvedSplitRow extends SplitRow {
  /** Absolute path of the recording. */
  file: string;
}

/** Writes the lab's `path,label` CSV (no header) through a temporary file, so a reader never sees half of it. */
export function writeSplitCsv(file: string, rows: readonly { path: string; digit: number }[]): void {
  const text = formatSplitCsv(rows);
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** Writes `train.csv` and `test.csv` into `outDir`; returns their paths. */
export function writeSplit(outDir: string, split: Split<{ path: string; digit: number }>): { train: string; test: string } {
  const train = join(outDir, 'train.csv');
  const test = join(outDir, 'test.csv');
  writeSplitCsv(train, split.train);
  writeSplitCsv(test, split.test);
  return { train, test };
}

/**
 * Reads a split CSV whose relative paths are relative to `audioDir` (the corpus root).
 * With `checkFiles` (the default) every recording must exist: a missing one is a
 * `<file>:<line>:` DataError, found before training starts rather than in epoch 3.
 */
export function readSplitCsv(file: string, audioDir: string, options: { checkFiles?: boolean } = {}): ResolvedSplitRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataError(`${file}: cannot read the split CSV (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const root = resolve(audioDir);
  return parseSplitCsv(text, file).map((row) => {
    // Only what this platform calls absolute is taken as written: on Linux, `C:/../x` and
    // `\\server\x` are relative, so they join the audio directory and must not climb out of it.
    if (!isAbsolute(row.path) && isAbsolutePath(row.path) && escapesBase(row.path)) {
      throw new DataError(`${file}:${row.line}: path ${row.path} escapes the audio directory`);
    }
    const path = isAbsolute(row.path) ? row.path : join(root, row.path);
    if (options.checkFiles !== false && !existsSync(path)) throw new DataError(`${file}:${row.line}: ${path} does not exist`);
    return { ...row, file: path };
  });
}
