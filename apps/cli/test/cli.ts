/** Runs the built `duet` command (apps/cli/dist, through bin/duet.js) for the CLI tests. */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

export const DUET = resolve(__dirname, '../bin/duet.js');
/** The repository's ../shared/data/fsdd/recordings (CI has it beside the clone). */
export const FSDD_RECORDINGS = resolve(__dirname, '../../../../shared/data/fsdd/recordings');

export function duet(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [DUET, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
}

/** Runs duet and asserts exit 2 with exactly one `duet:` line, matching `message`. */
export function failsWith(args: string[], message: RegExp): void {
  const run = duet(args);
  expect(run.status, args.join(' ')).toBe(2);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('duet:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

/** The corpus root holding fsdd/recordings (what --audio-dir and DUET_DATA take). */
export const FSDD_DATA = resolve(FSDD_RECORDINGS, '../..');

/** Whether the shared FSDD copy is here; on CI its absence is an error, never a skip. */
export function haveFsdd(): boolean {
  const have = existsSync(join(FSDD_RECORDINGS, '0_george_0.wav'));
  if (!have && process.env.CI === 'true') throw new Error(`${FSDD_RECORDINGS} is missing (CI must have ../shared/data)`);
  return have;
}

/** Writes a tiny split into `dir`: digits 0-9 of george and jackson, repetitions 0-1 (train), and theo's repetition 0 (test). */
export function writeTinySplit(dir: string): string {
  const rows = (speakers: string[], reps: number[]) =>
    speakers.flatMap((s) => reps.flatMap((r) => Array.from({ length: 10 }, (_, d) => `recordings/${d}_${s}_${r}.wav,${d}\n`))).join('');
  writeFileSync(join(dir, 'train.csv'), rows(['george', 'jackson'], [0, 1]));
  writeFileSync(join(dir, 'test.csv'), rows(['theo'], [0]));
  return dir;
}
