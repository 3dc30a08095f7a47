/** Runs the built `duet` command (apps/cli/dist, through bin/duet.js) for the CLI tests. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const DUET = resolve(__dirname, '../bin/duet.js');
/** The repository's ../shared/data/fsdd/recordings (CI has it beside the clone). */
export const FSDD_RECORDINGS = resolve(__dirname, '../../../../shared/data/fsdd/recordings');

export function duet(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [DUET, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
}
