/**
 * The built `duet` command for the benchmark scripts that drive it (audio_loso, fusion_loso):
 * run from the repository root (like every benchmark), after `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Runs `duet ARGS…` with this terminal; throws naming `who` and the command when it fails. */
export function runDuet(who: string, args: readonly string[]): void {
  const duet = resolve('apps/cli/bin/duet.js');
  if (!existsSync(duet)) throw new Error(`${who}: ${duet} not found: run it from the repository root after npm run build`);
  console.log(`duet ${args.join(' ')}`);
  const child = spawnSync(process.execPath, [duet, ...args], { stdio: 'inherit' });
  if (child.status !== 0) throw new Error(`${who}: duet ${args.slice(0, 2).join(' ')} failed (exit ${child.status ?? child.signal})`);
}
