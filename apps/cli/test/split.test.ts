/** `duet split` and `duet data` through the built CLI (apps/cli: node build.mjs) on the shared FSDD copy. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { duet } from './cli';



const DATA = resolve(__dirname, '../../../../shared/data');
const FSDD = join(DATA, 'fsdd');
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'duet-split-cli-'));
  made.push(dir);
  return dir;
}

/** Reads a split CSV, checking the lab's format on every line. */
function readCsv(file: string): { path: string; label: number }[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = /^(recordings\/([0-9])_[a-z]+_[0-9]+\.wav),([0-9])$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![3]).toBe(m![2]); // the label is the digit in the file name
      return { path: m![1], label: Number(m![3]) };
    });
}

describe('duet split', () => {
  it('random, seed 42: 2250/750, disjoint, reproducible, and warns that speakers are shared', () => {
    const out = outDir();
    const run = duet(['split', '--audio-dir', DATA, '--strategy', 'random', '--seed', '42', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const train = readCsv(join(out, 'train.csv'));
    const test = readCsv(join(out, 'test.csv'));
    expect([train.length, test.length]).toEqual([2250, 750]);
    expect(new Set([...train, ...test].map((r) => r.path)).size).toBe(3000);
    expect(run.stdout).toContain(`paths are relative to ${FSDD}`);
    expect(run.stdout).toMatch(/speakers: train 6 \(george, jackson, lucas, nicolas, theo, yweweler\), test 6/);
    expect(run.stdout).toMatch(/^0 +\d+ \(\d+\.\d%\) +\d+ \(\d+\.\d%\) +300 \(10\.0%\)$/m);
    expect(run.stdout).toContain('accuracy on this split does not measure recognition of new voices');
    const again = outDir();
    expect(duet(['split', '--audio-dir', DATA, '--strategy', 'random', '--seed', '42', '--out', again]).status).toBe(0);
    expect(readFileSync(join(again, 'test.csv'), 'utf8')).toBe(readFileSync(join(out, 'test.csv'), 'utf8'));
  });

  it('official: 300 test (repetitions 0-4) / 2700 train, 30 of each digit in test', () => {
    const out = outDir();
    const run = duet(['split', '--strategy', 'official', '--out', out], { DUET_DATA: DATA });
    expect(run.status).toBe(0);
    const train = readCsv(join(out, 'train.csv'));
    const test = readCsv(join(out, 'test.csv'));
    expect([train.length, test.length]).toEqual([2700, 300]);
    expect(test.every((r) => /_[0-4]\.wav$/.test(r.path))).toBe(true);
    for (let d = 0; d < 10; d++) expect(test.filter((r) => r.label === d)).toHaveLength(30);
    expect(run.stdout).toMatch(/^3 +270 \(10\.0%\) +30 \(10\.0%\) +300 \(10\.0%\)$/m);
  });

  it('speaker: held-out speakers only in test; without names, one fold per speaker', () => {
    const out = outDir();
    const run = duet(['split', '--audio-dir', DATA, '--strategy', 'speaker', '--test-speakers', 'theo,lucas', '--out', out]);
    expect(run.status).toBe(0);
    expect(readCsv(join(out, 'test.csv'))).toHaveLength(1000);
    expect(run.stdout).toContain('no speaker is in both train and test');
    const folds = outDir();
    expect(duet(['split', '--audio-dir', DATA, '--strategy', 'speaker', '--out', folds]).status).toBe(0);
    expect(readdirSync(folds).sort()).toEqual(['george', 'jackson', 'lucas', 'nicolas', 'theo', 'yweweler']);
    expect(readCsv(join(folds, 'theo', 'test.csv')).every((r) => r.path.includes('_theo_'))).toBe(true);
  });

  it('exits 2 with one line on bad input', () => {
    const out = outDir();
    const unknown = duet(['split', '--audio-dir', DATA, '--strategy', 'speaker', '--test-speakers', 'zed', '--out', out]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe('duet: unknown speaker zed; the corpus has george, jackson, lucas, nicolas, theo, yweweler\n');
    const missing = duet(['split', '--strategy', 'official', '--out', out], { DUET_DATA: out, XDG_CACHE_HOME: out });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^duet: no spoken-digit corpus found; looked in \$DUET_DATA=.*\n$/);
    expect(duet(['split', '--audio-dir', DATA, '--strategy', 'nope', '--out', out]).status).toBe(2);
    expect(duet(['split', '--audio-dir', DATA, '--strategy', 'random', '--test-fraction', '1.5', '--out', out]).status).toBe(2);
  });
});

describe('duet data status', () => {
  it('reports FSDD and MNIST with their file counts', () => {
    const run = duet(['data', 'status'], { DUET_DATA: DATA });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`spoken digits: FSDD at ${FSDD} (from $DUET_DATA)`);
    expect(run.stdout).toContain('3000 recordings, 6 speakers, 0 other files');
    expect(run.stdout).toMatch(/train: 60000 images, 60000 labels\n {2}test: 10000 images, 10000 labels/);
  });
});
