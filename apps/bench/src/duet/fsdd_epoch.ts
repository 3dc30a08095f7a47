/**
 * `lab-cnn:fsdd-epoch`: one real epoch of lab-cnn over FSDD's official training split
 * (repetitions 5-49: 2,700 clips, log-mel 1x128x241, batch 32, the lab's SGD), run the way a
 * user runs it: the built CLI, `duet train audio --model lab-cnn --epochs 1 --strategy official`,
 * in a child process on the same adapter. Its metrics.jsonl gives the epoch's training
 * samples/s (steps only, synced by the loop's own readbacks) and seconds (training + test pass).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAudioCorpus } from '@duet/data/node';
import { skippedRow, type Row, type SuiteContext } from '../types';

export const FSDD_EPOCH = 'lab-cnn:fsdd-epoch';

/** The CLI bundle of this checkout (the bench runs as apps/bench/dist/bench.js, as main.ts assumes). */
function cliBundle(): string {
  return join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'apps/cli/dist/duet.js');
}

/** The fields of a metrics.jsonl line this row reads (apps/cli/src/train/metrics.ts EpochLine). */
interface EpochLine {
  readonly train_loss: number;
  readonly test_loss: number;
  readonly test_acc: number;
  readonly seconds: number;
  readonly samples_per_s: number;
}

/** Emits the epoch's samples/s and seconds rows, or one skipped row saying what is missing. */
export function measureFsddEpoch(s: SuiteContext, suite: string): void {
  const base = { suite, workload: FSDD_EPOCH, impl: 'duet' as const, backend: s.ctx.adapter.name };
  let corpus: string;
  try {
    corpus = findAudioCorpus().root;
  } catch (error) {
    s.emit(skippedRow({ ...base, unit: 'samples/s', note: `no corpus: ${(error as Error).message}` }));
    return;
  }
  const cli = cliBundle();
  if (!existsSync(cli)) {
    s.emit(skippedRow({ ...base, unit: 'samples/s', note: `the CLI is not built (${cli}): run \`npm run build\`` }));
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'duet-bench-fsdd-'));
  try {
    s.log(`  ${FSDD_EPOCH}: duet train audio --model lab-cnn --epochs 1 --strategy official --audio-dir ${corpus}`);
    const started = performance.now();
    const run = spawnSync(
      process.execPath,
      [cli, 'train', 'audio', '--model', 'lab-cnn', '--epochs', '1', '--strategy', 'official', '--audio-dir', corpus, '--out', out],
      { encoding: 'utf8', env: { ...process.env, DUET_ADAPTER: s.ctx.adapter.name }, timeout: 1_800_000 },
    );
    const wall = (performance.now() - started) / 1000;
    const metrics = join(out, 'metrics.jsonl');
    if (run.status !== 0 || !existsSync(metrics)) {
      const why = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n').slice(-1)[0];
      s.emit(failedRow(base, 'samples/s', `duet train failed: ${why}`));
      return;
    }
    for (const row of epochRows(base, JSON.parse(readFileSync(metrics, 'utf8').trim().split('\n')[0]) as EpochLine, wall)) s.emit(row);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The two rows of an epoch line. Check: the losses are finite and the test accuracy is above
 * chance (10 classes): an epoch that learns nothing is a wrong result, not a fast one.
 */
export function epochRows(base: Pick<Row, 'suite' | 'workload' | 'impl' | 'backend'>, line: EpochLine, wall: number): Row[] {
  const wrong = !Number.isFinite(line.train_loss) || !Number.isFinite(line.test_loss) ? `loss is not finite (train ${line.train_loss}, test ${line.test_loss})`
    : !(line.test_acc > 0.1) ? `test accuracy ${(100 * line.test_acc).toFixed(1)} % is not above chance after the epoch` : null;
  const status = wrong ? 'failed' : 'passed';
  const learned = `train loss ${line.train_loss.toFixed(3)}, test accuracy ${(100 * line.test_acc).toFixed(1)} %`;
  return [
    { ...base, unit: 'samples/s', min: line.samples_per_s, median: line.samples_per_s, max: line.samples_per_s, status, note: wrong ?? `training steps of 1 epoch (official split); ${learned}` },
    { ...base, unit: 's', min: line.seconds, median: line.seconds, max: line.seconds, status, note: wrong ?? `1 epoch with its test pass; the command took ${wall.toFixed(1)} s with feature extraction and plots` },
  ];
}

function failedRow(base: Pick<Row, 'suite' | 'workload' | 'impl' | 'backend'>, unit: Row['unit'], note: string): Row {
  return { ...base, unit, min: null, median: null, max: null, status: 'failed', note };
}
