/**
 * Running a target's cases in this thread: generation, classification, a little minimisation,
 * and the findings folder. main.ts runs this inside a worker with a watchdog; the CI slice calls
 * it directly.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { hashBytes } from './engine';
import { scratchDir } from './paths';
import { findingKind, generateCase, runCase, type Outcome, type Seed, type Target } from './target';

export interface Finding {
  target: string;
  /** Case index under the campaign seed, or the regression file replayed. */
  source: string;
  problem: string;
  bytes: Uint8Array;
}

export interface Tally {
  target: string;
  cases: number;
  ok: number;
  errors: number;
  findings: Finding[];
}

/** The file name a case is parsed under (and written to, for loaders that read from disk). */
export function caseFile(target: Target): string {
  return join(scratchDir(), `case-${target.name}${target.extension}`);
}

/** Shrinks a finding's input while it keeps failing the same way (bounded effort). */
export function minimise(target: Target, bytes: Uint8Array, kind: string, budget = 200, onTry?: () => void): Uint8Array {
  const file = caseFile(target);
  const same = (candidate: Uint8Array) => {
    onTry?.();
    const outcome = runCase(target, candidate, file);
    return outcome.kind === 'finding' && findingKind(outcome.problem) === kind;
  };
  let best = bytes;
  for (let chunk = best.length >> 1; chunk >= 1 && budget > 0; chunk >>= 1) {
    for (let at = best.length - chunk; at >= 0 && budget > 0; at -= chunk) {
      const candidate = new Uint8Array(best.length - chunk);
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      budget--;
      if (same(candidate)) best = candidate;
    }
  }
  return best;
}

/** Runs cases [from, to) of `target`; `onCase` is told each index before it runs (the watchdog's heartbeat). */
export function runRange(target: Target, seed: number, from: number, to: number, onCase?: (index: number) => void, seeds: readonly Seed[] = target.seeds()): Tally {
  const file = caseFile(target);
  const tally: Tally = { target: target.name, cases: 0, ok: 0, errors: 0, findings: [] };
  for (let index = from; index < to; index++) {
    onCase?.(index);
    const { bytes, recipe } = generateCase(target, seeds, seed, index);
    let outcome: Outcome = runCase(target, bytes, file);
    // The machine is shared: a slow case counts only if it is slow twice.
    if (outcome.kind === 'finding' && outcome.problem.startsWith('slow')) outcome = runCase(target, bytes, file);
    tally.cases++;
    if (outcome.kind === 'ok') tally.ok++;
    else if (outcome.kind === 'error') tally.errors++;
    else if (index < seeds.length) tally.findings.push({ target: target.name, source: `seed ${recipe}`, problem: `a valid seed was refused: ${outcome.problem}`, bytes });
    else tally.findings.push({ target: target.name, source: `case ${index} of seed ${seed} (${recipe})`, problem: outcome.problem, bytes });
  }
  return tally;
}

/** Replays the committed regression inputs of a target: each must now end in a result or an expected error. */
export function replayRegressions(target: Target, root: string): Tally {
  const dir = join(root, 'fuzz', 'regressions', target.name);
  const tally: Tally = { target: target.name, cases: 0, ok: 0, errors: 0, findings: [] };
  if (!existsSync(dir)) return tally;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.bin')).sort()) {
    const bytes = new Uint8Array(readFileSync(join(dir, name)));
    const outcome = runCase(target, bytes, caseFile(target));
    tally.cases++;
    if (outcome.kind === 'ok') tally.ok++;
    else if (outcome.kind === 'error') tally.errors++;
    else tally.findings.push({ target: target.name, source: `regression ${name}`, problem: outcome.problem, bytes });
  }
  return tally;
}

/** Writes fuzz/findings/<target>/<hash>.bin and a .txt with the problem and how to reproduce it. */
export function saveFinding(root: string, finding: Finding): string {
  const dir = join(root, 'fuzz', 'findings', finding.target);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, hashBytes(finding.bytes));
  writeFileSync(`${base}.bin`, finding.bytes);
  writeFileSync(`${base}.txt`, `${finding.problem}\nfrom ${finding.source}\n${finding.bytes.length} bytes\n`);
  return `${base}.bin`;
}
