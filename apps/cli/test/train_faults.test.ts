/**
 * Issue 8, parts 3 and 4: numerical and GPU faults in `duet train` end in one line and an exit
 * status, never a stack trace, and never in a saved checkpoint of broken weights. NaN/Inf is
 * flagged on the GPU per step (outputs, loss, gradients) and read back with the metrics; a
 * batch past the adapter's buffer limits names the limit; a lost device (destroyed on purpose
 * through DUET_TEST_LOSE_DEVICE_AT_STEP) says to resume, and --resume then finishes the run as
 * if nothing had happened.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint } from '@duet/autograd/node';
import { afterAll, describe, expect, it } from 'vitest';
import { DUET, FSDD_DATA, haveFsdd, writeTinySplit } from './cli';

const DATA = FSDD_DATA;
const haveData = haveFsdd();

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'duet-faults-'));
  made.push(dir);
  return dir;
}

function tinySplit(): string {
  return writeTinySplit(tempDir());
}

/** `duet train audio` on the tiny split; returns the exit status, stderr and its last line. */
function train(split: string, out: string, options: string[], env: Record<string, string> = {}) {
  const args = ['train', 'audio', '--audio-dir', DATA, '--split', split, '--batch-size', '8', '--seed', '7', '--test-limit', '8', '--out', out, ...options];
  const run = spawnSync(process.execPath, [DUET, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  expect(run.stderr, 'no stack trace').not.toMatch(/^\s+at /m);
  return { status: run.status, stderr: run.stderr, last: run.stderr.trim().split('\n').pop() ?? '' };
}

const checkpointEpoch = (out: string) => decodeCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.safetensors'))), 'checkpoint').epoch;
const metricEpochs = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).epoch);
const withoutTiming = (out: string) =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { seconds: _s, samples_per_s: _r, ...rest } = JSON.parse(l);
      return rest;
    });

describe.skipIf(!haveData)('duet train: numerical and GPU faults (issue 8, parts 3 and 4)', () => {
  const split = haveData ? tinySplit() : '';
  // lab-cnn (SGD, momentum 0.9, no normalisation layer) diverges within a few steps at lr 1e4.
  const absurd = ['--model', 'lab-cnn', '--pad-samples', '4800', '--lr', '1e4'];

  it('NaN/Inf inside the first epoch stops at the step it appeared, naming the learning rate, with no checkpoint saved', () => {
    const out = tempDir();
    const run = train(split, out, [...absurd, '--limit', '24', '--epochs', '2']);
    expect(run.status).toBe(1);
    expect(run.last).toMatch(
      /^duet: training stopped at step [1-3] \(epoch 1, batch [1-3] of 3\): (the outputs|the loss|a gradient)(, (the loss|a gradient))* became NaN or infinite; likely cause: a learning rate too high \(lr 10000: try a smaller --lr\), or bad input; no epoch finished, so there is no checkpoint$/,
    );
    for (const f of ['checkpoint.safetensors', 'model.safetensors']) expect(existsSync(join(out, f)), f).toBe(false);
  }, 120_000);

  it('a divergence after a finished epoch keeps that epoch\'s checkpoint the newest', () => {
    const out = tempDir();
    const run = train(split, out, [...absurd, '--limit', '8', '--epochs', '3']);
    expect(run.status).toBe(1);
    expect(run.last).toMatch(/^duet: training stopped at (step \d+ \(epoch 2, batch 1 of 1\): .* became NaN or infinite|epoch 2: the test loss is NaN \(the model's outputs overflowed\)); likely cause: a learning rate too high \(lr 10000: try a smaller --lr\), or bad input; the checkpoint of epoch 1 stays the newest$/);
    expect(checkpointEpoch(out)).toBe(1);
    expect(metricEpochs(out)).toEqual([1]);
  }, 120_000);

  it('a batch past the adapter\'s buffer limits names the limit and suggests --batch-size or --adapter (one line, exit 1)', () => {
    const run = train(split, tempDir(), ['--model', 'lab-cnn', '--pad-samples', '4800', '--limit', '24', '--epochs', '1', '--batch-size', '100000000']);
    expect(run.status).toBe(1);
    expect(run.last).toMatch(/^duet: buffer '[\w.]+' needs (maxStorageBufferBindingSize|maxBufferSize) = \d+, but this adapter allows \d+ \(try a smaller --batch-size, or another --adapter\)$/);
  }, 120_000);

  it('a device lost during training says to resume, and --resume finishes as an uninterrupted run', () => {
    const options = ['--model', 'audio-cnn', '--pad-samples', '1600', '--limit', '24', '--epochs', '3'];
    const whole = tempDir();
    expect(train(split, whole, options).status).toBe(0);
    const out = tempDir();
    // Step 4 is the first step of epoch 2 (3 steps per epoch).
    const lost = train(split, out, options, { DUET_TEST_LOSE_DEVICE_AT_STEP: '4' });
    expect(lost.status).toBe(1);
    expect(lost.last).toMatch(/^duet: the GPU device was lost \(destroyed: [^)]*\); resume from the last checkpoint, or try another --adapter$/);
    expect(checkpointEpoch(out)).toBe(1);
    const resumed = train(split, out, [...options, '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(metricEpochs(out)).toEqual([1, 2, 3]);
    expect(withoutTiming(out)).toEqual(withoutTiming(whole));
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(whole, 'model.safetensors')))).toBe(true);
  }, 180_000);
});
