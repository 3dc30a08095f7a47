/**
 * `duet train` and `duet eval` end to end through the built CLI (node build.mjs), on a tiny
 * split of the shared FSDD copy (a few dozen clips, short pads, 2-3 epochs): every output
 * file, the metrics.jsonl schema, model.json round trip through `duet eval`, resume after
 * SIGKILL giving the same metrics and weights as an uninterrupted run, and Ctrl-C saving.
 * No training-quality assertions: the runs are far too small.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DUET, FSDD_DATA, haveFsdd, writeTinySplit } from './cli';
import { loadMnist, reservedMnistValidation } from '@duet/data/node';

const DATA = FSDD_DATA;
const haveData = haveFsdd();
if (!haveData) console.warn(`cli: ${DATA}/fsdd not found; duet train/eval tests skipped`);

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'duet-train-'));
  made.push(dir);
  return dir;
}

function duet(args: string[]) {
  return spawnSync(process.execPath, [DUET, ...args], { encoding: 'utf8', timeout: 300_000 });
}

function tinySplit(): string {
  return writeTinySplit(tempDir());
}

/** metrics.jsonl without the timing fields, which differ between any two runs. */
function metricsWithoutTiming(dir: string): Record<string, number>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds, samples_per_s, ...rest } = JSON.parse(l) as Record<string, number>;
      expect(seconds).toBeGreaterThan(0);
      expect(samples_per_s).toBeGreaterThan(0);
      return rest;
    });
}

function linesIn(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** Starts a run and sends `signal` once metrics.jsonl has `lines` lines; resolves with the exit. */
function runAndSignal(args: string[], out: string, lines: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [DUET, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += String(b)));
    const timer = setInterval(() => {
      if (linesIn(join(out, 'metrics.jsonl')) >= lines) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 20);
    child.on('exit', (code, sig) => {
      clearInterval(timer);
      done({ code, signal: sig, stderr });
    });
  });
}

const TINY_AUDIO = ['--audio-dir', DATA, '--batch-size', '8', '--seed', '7'];

describe.skipIf(!haveData)('duet train audio / duet eval', () => {
  const split = haveData ? tinySplit() : '';

  it('writes every output file, metrics.jsonl lines of the documented schema, and a model eval reproduces', () => {
    const out = tempDir();
    const run = duet(['train', 'audio', ...TINY_AUDIO, '--split', split, '--model', 'lab-cnn', '--pad-samples', '4800', '--epochs', '2', '--out', out]);
    expect(run.stderr).toMatch(/epoch 2\/2 +train loss/);
    expect(run.status).toBe(0);
    for (const f of ['metrics.jsonl', 'curves.png', 'confusion.png', 'model.safetensors', 'model.json', 'checkpoint.safetensors', 'train.csv', 'test.csv']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    for (const png of ['curves.png', 'confusion.png']) expect([...readFileSync(join(out, png)).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => Object.keys(l))).toEqual(Array(2).fill(['epoch', 'train_loss', 'train_acc', 'test_loss', 'test_acc', 'seconds', 'samples_per_s']));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    for (const l of lines) for (const k of ['train_acc', 'test_acc']) expect(l[k]).toBeGreaterThanOrEqual(0), expect(l[k]).toBeLessThanOrEqual(1);
    const spec = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(spec).toMatchObject({ format: 'duet-model/1', model: 'lab-cnn', inputShape: [1, 128, 25], labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(spec.preprocessing).toMatchObject({ kind: 'audio', samples: 4800, normalization: 'dataset', mel: { nFft: 400, hopLength: 200, nMels: 128, sampleRate: 16000 } });
    // torchaudio's mean over the same clips: -35.373791 (fixtures/gen_train_mean.py, torchaudio 0.13.1)
    expect(spec.preprocessing.stats.mean).toBeCloseTo(-35.373791, 3);

    // Past the memory budget every batch is decoded and featurised from disk: same numbers.
    const streamed = tempDir();
    const stream = duet(['train', 'audio', ...TINY_AUDIO, '--split', split, '--model', 'lab-cnn', '--pad-samples', '4800', '--epochs', '2', '--memory-budget', '0.1', '--out', streamed]);
    expect(stream.stderr).toMatch(/40 training and 10 test recordings, streaming/);
    expect(metricsWithoutTiming(streamed)).toEqual(metricsWithoutTiming(out));

    const json = join(tempDir(), 'eval.json');
    const evaluated = duet(['eval', '--model', out, '--split', split, '--audio-dir', DATA, '--json', json]);
    expect(evaluated.status).toBe(0);
    expect(evaluated.stdout).toMatch(/confusion matrix/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.count).toBe(10);
    expect(report.accuracy).toBeCloseTo(lines[1].test_acc, 12);
    expect(report.loss).toBeCloseTo(lines[1].test_loss, 4);
    expect(report.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(10);
  }, 300_000);

  it('resumes after SIGKILL to the same metrics and weights as an uninterrupted run (audio-cnn: BN, dropout, augmentation, Adam, cosine)', async () => {
    const args = ['train', 'audio', ...TINY_AUDIO, '--split', split, '--model', 'audio-cnn', '--pad-samples', '1600', '--epochs', '3'];
    const whole = tempDir();
    expect(duet([...args, '--out', whole]).status).toBe(0);
    const killed = tempDir();
    const first = await runAndSignal([...args, '--out', killed], killed, 1, 'SIGKILL');
    expect(first.signal).toBe('SIGKILL');
    expect(linesIn(join(killed, 'metrics.jsonl'))).toBeLessThan(3);
    const resumed = duet([...args, '--out', killed, '--resume']);
    expect(resumed.stderr).toMatch(/resuming .* after epoch [12] of 3/);
    expect(resumed.status).toBe(0);
    expect(metricsWithoutTiming(killed)).toEqual(metricsWithoutTiming(whole));
    expect(readFileSync(join(killed, 'model.safetensors')).equals(readFileSync(join(whole, 'model.safetensors')))).toBe(true);
  }, 600_000);

  it('stops on Ctrl-C after saving (exit 130), and --resume finishes the run', async () => {
    const out = tempDir();
    // --augment wave on the lab's model: the option reaches the recipe and survives --resume.
    const args = ['train', 'audio', ...TINY_AUDIO, '--split', split, '--model', 'lab-cnn', '--pad-samples', '4800', '--epochs', '3', '--augment', 'wave', '--out', out];
    const stopped = await runAndSignal(args, out, 1, 'SIGINT');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted: model files hold the current weights/);
    for (const f of ['model.safetensors', 'model.json', 'checkpoint.safetensors']) expect(existsSync(join(out, f)), f).toBe(true);
    const resumed = duet([...args, '--resume']);
    expect(resumed.status).toBe(0);
    expect(metricsWithoutTiming(out).map((l) => l.epoch)).toEqual([1, 2, 3]);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).recipe.augment).toBe('wave');
  }, 300_000);

  it('refuses bad requests with exit 2 and one line', () => {
    const out = tempDir();
    const resume = duet(['train', 'audio', '--out', out, '--resume']);
    expect([resume.status, resume.stderr.trim().split('\n').pop()]).toEqual([2, `duet: --resume: ${join(out, 'checkpoint.safetensors')} does not exist (nothing to resume; run without --resume first)`]);
    expect(duet(['train', 'audio', '--model', 'mnist-cnn', '--out', out]).status).toBe(2);
    expect(duet(['train', 'audio', '--augment', 'spec', '--out', out]).stderr).toMatch(/--augment <kind>' argument 'spec' is invalid\. expected one of none, wave, wave\+spec/);
    expect(duet(['train', 'audio', '--split', split, '--strategy', 'random', '--audio-dir', DATA, '--out', out]).stderr).toMatch(/either --split DIR or --strategy/);
    expect(duet(['eval', '--model', out]).stderr).toMatch(/model.json and model.safetensors are needed/);
    const speakers = duet(['train', 'audio', '--test-speakers', 'theo', '--audio-dir', DATA, '--out', out]);
    expect([speakers.status, speakers.stderr.trim().split('\n').pop()]).toEqual([2, 'duet: --test-speakers applies to --strategy speaker only']);
  }, 300_000);
});

describe('duet train image', () => {
  it('trains mnist-cnn on a few images through the same outputs', () => {
    const out = tempDir();
    const run = duet(['train', 'image', '--limit', '48', '--test-limit', '20', '--epochs', '1', '--batch-size', '16', '--out', out]);
    expect(run.stderr).toMatch(/MNIST 48 training and 20 test images, shifts up to 2 px and rotations up to 10 degrees/);
    expect(run.status).toBe(0);
    for (const f of ['metrics.jsonl', 'curves.png', 'confusion.png', 'model.safetensors', 'model.json', 'checkpoint.safetensors']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))).toMatchObject({ model: 'mnist-cnn', inputShape: [1, 28, 28], preprocessing: { kind: 'image' } });
  }, 300_000);

  it('--hold-out leaves out the MNIST images fusion keeps for validation with the same seed, and model.json says so', () => {
    const out = tempDir();
    const run = duet(['train', 'image', '--hold-out', '0.1', '--seed', '5', '--limit', '32', '--test-limit', '16', '--epochs', '1', '--batch-size', '16', '--out', out]);
    expect(run.status).toBe(0);
    const reserved = reservedMnistValidation(loadMnist('train').labels, 5, 0.1).length;
    expect(reserved).toBeGreaterThan(5900); // a tenth of each digit's images, rounded up
    expect(run.stderr).toContain(`held out: ${reserved} MNIST training images, those \`duet train fusion --seed 5\` pairs with validation clips (fraction 0.1)`);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).heldOut).toEqual({ seed: 5, fraction: 0.1 });
    const bad = duet(['train', 'image', '--hold-out', '1', '--out', tempDir()]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--hold-out <fraction>' argument '1' is invalid\. expected a fraction between 0 and 1 \(exclusive\)/);
  }, 300_000);
});
