/**
 * Issue 8, part 2: `duet train` survives being killed. A tiny audio run is SIGKILLed several
 * times at seeded moments, during training steps and inside the checkpoint write (the test
 * widens the window between the temp file and its rename with DUET_TEST_SLOW_CHECKPOINT_MS),
 * and resumed with --resume each time. After every kill the checkpoint loads and holds every
 * epoch metrics.jsonl ever reported, exactly once; the finished run's metrics and weights equal
 * those of an uninterrupted run. A full disk during a checkpoint write (injected ENOSPC) leaves
 * the previous checkpoint whole and says so in one line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint } from '@duet/autograd/node';
import { seededRandom } from '@duet/gpu/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DUET, FSDD_DATA, haveFsdd, writeTinySplit } from './cli';

const DATA = FSDD_DATA;
const haveData = haveFsdd();

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'duet-kill-'));
  made.push(dir);
  return dir;
}

function tinySplit(): string {
  return writeTinySplit(tempDir());
}

const EPOCHS = 6;
const SLOW_MS = 400;

function trainArgs(split: string, out: string, resume: boolean, epochs = EPOCHS): string[] {
  const args = ['train', 'audio', '--audio-dir', DATA, '--split', split, '--model', 'audio-cnn', '--pad-samples', '1600'];
  args.push('--epochs', String(epochs), '--batch-size', '8', '--seed', '7', '--limit', '24', '--test-limit', '8', '--out', out);
  return resume ? [...args, '--resume'] : args;
}

/** metrics.jsonl lines without the timing fields. */
function metricLines(out: string): Record<string, number>[] {
  const file = join(out, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { seconds: _s, samples_per_s: _r, ...rest } = JSON.parse(l) as Record<string, number>;
      return rest;
    });
}

const tempCheckpoint = (out: string) => readdirSync(out).some((f) => f.startsWith('.checkpoint.safetensors.') && f.endsWith('.tmp'));

type Moment = 'step' | 'write';

/**
 * Runs `duet train` and SIGKILLs it: 'step' a random 0-600 ms after metrics.jsonl gains a line
 * (inside the next epoch's steps, evaluation or file writes), 'write' a random 0-300 ms after a
 * checkpoint temp file appears (before its rename, which waits SLOW_MS). Resolves with the exit.
 */
function runAndKill(args: string[], out: string, moment: Moment, delayMs: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [DUET, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DUET_TEST_SLOW_CHECKPOINT_MS: String(SLOW_MS) } });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += String(b)));
    const linesAtStart = metricLines(out).length;
    let armed = false;
    const timer = setInterval(() => {
      const due = moment === 'write' ? tempCheckpoint(out) : metricLines(out).length > linesAtStart;
      if (due && !armed) {
        armed = true;
        clearInterval(timer);
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      done({ code, signal, stderr });
    });
  });
}

/** The checkpoint's epoch and history, asserting it decodes and lists epochs 1..epoch once each. */
function checkpointEpoch(out: string): number {
  const file = join(out, 'checkpoint.safetensors');
  if (!existsSync(file)) return 0;
  const contents = decodeCheckpoint(new Uint8Array(readFileSync(file)), file);
  const history = (contents.config as { history: { epoch: number }[] }).history;
  expect(history.map((l) => l.epoch)).toEqual(Array.from({ length: contents.epoch }, (_, i) => i + 1));
  return contents.epoch;
}

describe.skipIf(!haveData)('duet train killed and resumed (issue 8, part 2)', () => {
  const split = haveData ? tinySplit() : '';

  it('SIGKILLed during steps and checkpoint writes, resumed each time: nothing lost, same metrics and weights as an uninterrupted run', async () => {
    const whole = tempDir();
    const uninterrupted = spawnSync(process.execPath, [DUET, ...trainArgs(split, whole, false)], { encoding: 'utf8', timeout: 120_000 });
    expect(uninterrupted.status, uninterrupted.stderr).toBe(0);

    const out = tempDir();
    const random = seededRandom(8);
    // The first kill lands in the very first checkpoint write: no checkpoint yet, a fresh start follows.
    const moments: Moment[] = ['write', 'step', 'write', 'step', 'step', 'write', 'step'];
    let epoch = 0;
    const seen: string[] = [];
    for (const moment of moments) {
      const reported = metricLines(out);
      const delay = Math.floor(random() * (moment === 'write' ? SLOW_MS - 100 : 600));
      const result = await runAndKill(trainArgs(split, out, existsSync(join(out, 'checkpoint.safetensors'))), out, moment, delay);
      if (result.code === 0) break; // finished before the kill landed
      expect(result.signal, result.stderr).toBe('SIGKILL');
      seen.push(`${moment}+${delay}ms`);
      const now = checkpointEpoch(out);
      expect(now, `after a kill ${seen.join(', ')}`).toBeGreaterThanOrEqual(epoch);
      // Every epoch metrics.jsonl reported, before or during this run, is in the checkpoint.
      expect(now).toBeGreaterThanOrEqual(metricLines(out).length);
      expect(now).toBeGreaterThanOrEqual(reported.length);
      if (moment === 'write') expect(now, 'a kill before the rename keeps the previous checkpoint').toBe(reported.length);
      epoch = now;
    }
    expect(seen.length).toBeGreaterThanOrEqual(5);
    const finish = spawnSync(process.execPath, [DUET, ...trainArgs(split, out, epoch > 0)], { encoding: 'utf8', timeout: 120_000 });
    expect(finish.status, finish.stderr).toBe(0);
    expect(checkpointEpoch(out)).toBe(EPOCHS);
    expect(tempCheckpoint(out), 'temp files of killed writes are removed on resume').toBe(false);
    expect(metricLines(out).map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(metricLines(out)).toEqual(metricLines(whole));
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(whole, 'model.safetensors')))).toBe(true);
  }, 240_000);

  it('a full disk during a checkpoint write keeps the previous checkpoint, says so in one line (exit 1), and --resume finishes', () => {
    const out = tempDir();
    const args = trainArgs(split, out, false, 2);
    const full = spawnSync(process.execPath, [DUET, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DUET_TEST_CHECKPOINT_ENOSPC_AFTER: '1' } });
    const last = full.stderr.trim().split('\n').pop();
    const checkpoint = join(out, 'checkpoint.safetensors');
    expect([full.status, last]).toEqual([
      1,
      `duet: could not write the checkpoint of epoch 2 (ENOSPC: no space left on device, write): ${checkpoint} still holds epoch 1; free space and continue with --resume --out ${out}`,
    ]);
    expect(full.stderr).not.toMatch(/^\s+at /m);
    expect(checkpointEpoch(out)).toBe(1);
    expect(metricLines(out).map((l) => l.epoch)).toEqual([1]);
    expect(tempCheckpoint(out), 'the half-written temp file is removed').toBe(false);
    const resumed = spawnSync(process.execPath, [DUET, ...args, '--resume'], { encoding: 'utf8', timeout: 120_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(metricLines(out).map((l) => l.epoch)).toEqual([1, 2]);
  }, 120_000);
});
