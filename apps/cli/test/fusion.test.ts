/**
 * `duet train fusion`, `duet eval fusion` and `duet sweep` end to end through the built CLI on
 * a tiny split of the shared FSDD copy (20 training clips, 4 test clips, 1 epoch, tiny
 * pretrained unimodal runs): every output file, the schemas of run.json, pairing.json,
 * metrics.jsonl, fusion.json and report.json, identical report.json on a rerun with the same
 * seed, resume of a finished run, the sweep's leaderboard and its skipping of finished runs.
 * No accuracy assertions: the runs are far too small.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePairingJson } from '@duet/data';
import { parseFusionSpec, robustnessConditions } from '@duet/models';
import { DUET, duet } from './cli';

const DATA = resolve(__dirname, '../../../../shared/data');
const haveData = existsSync(join(DATA, 'fsdd', 'recordings', '0_george_0.wav'));
if (!haveData && process.env.CI === 'true') throw new Error(`${DATA}/fsdd is missing (CI must have ../shared/data)`);
if (!haveData) console.warn(`cli: ${DATA}/fsdd not found; duet train/eval fusion tests skipped`);

const LONG = 900_000;
const root = mkdtempSync(join(tmpdir(), 'duet-fusion-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const at = (...p: string[]) => join(root, ...p);
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const TINY = ['--audio-dir', DATA, '--split', at('split'), '--limit', '20', '--test-limit', '4', '--batch-size', '8', '--seed', '5'];

function ok(args: string[]): string {
  const r = duet(args);
  expect(r.status, `duet ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describe.skipIf(!haveData)('duet train fusion / eval fusion / sweep', () => {
  beforeAll(() => {
    const rows = (speakers: string[], reps: number[]) =>
      speakers.flatMap((s) => reps.flatMap((r) => Array.from({ length: 10 }, (_, d) => `recordings/${d}_${s}_${r}.wav,${d}\n`))).join('');
    mkdirSync(at('split'));
    writeFileSync(at('split', 'train.csv'), rows(['george', 'jackson'], [0, 1, 2]));
    writeFileSync(at('split', 'test.csv'), rows(['theo'], [0]));
    ok(['train', 'image', '--limit', '64', '--test-limit', '16', '--epochs', '1', '--batch-size', '32', '--seed', '1', '--out', at('image')]);
    ok(['train', 'audio', '--model', 'audio-cnn', '--audio-dir', DATA, '--split', at('split'), '--limit', '20', '--test-limit', '4', '--epochs', '1', '--batch-size', '8', '--out', at('audio')]);
  }, LONG);

  it('trains an attention network from pretrained encoders: every file, schemas, resume', () => {
    const out = at('attention');
    const stderr = duet(['train', 'fusion', '--fusion', 'attention', '--image-model', at('image'), '--audio-model', at('audio'), '--pairs-per-clip', '2', '--epochs', '1', ...TINY, '--out', out]);
    expect(stderr.status, stderr.stderr).toBe(0);
    expect(stderr.stderr).toMatch(/image encoder: \d+ tensors from the pretrained mnist-cnn/);
    expect(stderr.stderr).toMatch(/audio encoder: \d+ tensors from the pretrained audio-cnn/);
    for (const f of ['run.json', 'fusion.json', 'pairing.json', 'pairing.csv', 'train.csv', 'test.csv', 'model.safetensors', 'metrics.jsonl', 'curves.png', 'confusion.png', 'checkpoint.safetensors', 'image/model.json', 'image/model.safetensors', 'audio/model.json', 'audio/model.safetensors']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const run = json(join(out, 'run.json'));
    expect(run).toMatchObject({ task: 'fusion', fusion: 'attention', seed: 5, limit: 20, testLimit: 4, pairsPerClip: 2, augment: true, pretrained: { image: true, audio: true } });
    const pairing = parsePairingJson(readFileSync(join(out, 'pairing.json'), 'utf8'), 'pairing.json');
    const count = (s: string) => pairing.pairs.filter((p) => p.split === s).length;
    expect(count('test')).toBe(4);
    expect(count('train') + 2 * count('validation')).toBe(2 * 20);
    expect(parseFusionSpec(readFileSync(join(out, 'fusion.json'), 'utf8'), 'fusion.json').fusion).toBe('attention');
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]).sort()).toEqual(['epoch', 'samples_per_s', 'seconds', 'test_acc', 'test_loss', 'train_acc', 'train_loss']);

    const again = duet(['train', 'fusion', '--fusion', 'attention', ...TINY, '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/checkpoint\.safetensors exists: pass --resume/);
    const resumed = duet(['train', 'fusion', '--fusion', 'attention', '--resume', '--out', out]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/nothing to do/);
  }, LONG);

  it('evaluates: report files, schema, and the same report.json for the same seed', () => {
    const model = at('attention');
    ok(['eval', 'fusion', '--model', model, '--out', at('eval1'), '--seed', '3']);
    ok(['eval', 'fusion', '--model', model, '--out', at('eval2'), '--seed', '3']);
    const report = json(at('eval1', 'report.json'));
    expect(readFileSync(at('eval2', 'report.json'), 'utf8')).toBe(readFileSync(at('eval1', 'report.json'), 'utf8'));
    const methods = ['image', 'audio', 'attention', 'late-average', 'late-weighted', 'late-product', 'late-max-confidence', 'late-vote', 'late-learned', 'late-disagreement'];
    expect(Object.keys(report.methods)).toEqual(methods);
    for (const m of methods) {
      expect(existsSync(at('eval1', `confusion-${m}.png`)), m).toBe(true);
      expect(report.methods[m].calibration.ece).toBeGreaterThanOrEqual(0);
      expect(report.methods[m].confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(4);
    }
    for (const f of ['report.md', 'robustness.png', 'conditions.png', 'calibration.png']) expect(existsSync(at('eval1', f)), f).toBe(true);
    expect(report).toMatchObject({ format: 'duet-fusion-report/1', fusion: 'attention', seed: 3, test: { pairs: 4, clips: 4, speakers: ['theo'] } });
    expect(Object.values(report.disagreement.counts).reduce((a, b) => (a as number) + (b as number), 0)).toBe(4);
    expect(report.robustness.map((p: { id: string }) => p.id)).toEqual(robustnessConditions().map((c) => c.id));
    expect(Object.keys(report.robustness.find((p: { id: string }) => p.id === 'image-missing').accuracy)).not.toContain('image');
    expect(Object.keys(report.attention)).toEqual(robustnessConditions().map((c) => c.id));
    for (const w of Object.values(report.attention) as { image: number; audio: number }[]) expect(w.image + w.audio).toBeCloseTo(1, 5);
    const md = readFileSync(at('eval1', 'report.md'), 'utf8');
    for (const heading of ['## Accuracy and calibration', '## Disagreements', '## Robustness', '## Attention weights']) expect(md).toContain(heading);
  }, LONG);

  it('evaluates a chosen subset of the conditions (clean always), with the full report\'s figures for them', () => {
    const model = at('attention');
    ok(['eval', 'fusion', '--model', model, '--out', at('eval-some'), '--seed', '3', '--conditions', 'audio-white-0db,image-blank']);
    const some = json(at('eval-some', 'report.json'));
    const all = json(at('eval1', 'report.json'));
    expect(some.robustness.map((p: { id: string }) => p.id)).toEqual(['clean', 'audio-white-0db', 'image-blank']);
    expect(some.methods).toEqual(all.methods);
    expect(some.robustness).toEqual(all.robustness.filter((p: { id: string }) => ['clean', 'audio-white-0db', 'image-blank'].includes(p.id)));
    const bad = duet(['eval', 'fusion', '--model', model, '--out', at('eval-bad'), '--conditions', 'clean,audio-white-3db']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown condition audio-white-3db (known: clean, audio-white-30db');
  }, LONG);

  it('trains an early network jointly, without pretrained models or augmentation', () => {
    const out = at('early');
    ok(['train', 'fusion', '--fusion', 'early', '--epochs', '1', '--no-augment', '--modality-dropout', '0.5', ...TINY, '--out', out]);
    expect(json(join(out, 'run.json'))).toMatchObject({ fusion: 'early', augment: false, modalityDropout: 0.5, pretrained: { image: false, audio: false } });
    expect(existsSync(join(out, 'image'))).toBe(false);
    expect(json(join(out, 'fusion.json')).options.modalityDropout).toBe(0.5);
  }, LONG);

  it('resumes a killed run to the same metrics and weights as an uninterrupted one', async () => {
    const args = (out: string) => ['train', 'fusion', '--fusion', 'early', '--epochs', '2', ...TINY, '--out', out];
    ok(args(at('whole')));
    const child = spawn(process.execPath, [DUET, ...args(at('killed'))], { stdio: 'ignore' });
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        const file = at('killed', 'metrics.jsonl');
        if (existsSync(file) && readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length >= 1) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        done();
      });
    });
    ok(['train', 'fusion', '--fusion', 'early', '--resume', '--out', at('killed')]);
    const metrics = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
      const { seconds, samples_per_s, ...rest } = JSON.parse(l);
      return rest;
    });
    expect(metrics(at('killed'))).toHaveLength(2);
    expect(metrics(at('killed'))).toEqual(metrics(at('whole')));
    expect(readFileSync(at('killed', 'model.safetensors')).equals(readFileSync(at('whole', 'model.safetensors')))).toBe(true);
  }, LONG);

  it('a full disk during a checkpoint write keeps the previous checkpoint and says so (the engine\'s writer); --resume removes a stale temp file and finishes', () => {
    const out = at('full');
    const args = ['train', 'fusion', '--fusion', 'early', '--epochs', '2', ...TINY, '--out', out];
    const full = duet(args, { DUET_TEST_CHECKPOINT_ENOSPC_AFTER: '1' });
    const checkpoint = join(out, 'checkpoint.safetensors');
    expect([full.status, full.stderr.trim().split('\n').pop()]).toEqual([
      1,
      `duet: could not write the checkpoint of epoch 2 (ENOSPC: no space left on device, write): ${checkpoint} still holds epoch 1; free space and continue with --resume --out ${out}`,
    ]);
    const stale = join(out, '.checkpoint.safetensors.0badc0de.tmp'); // what a kill inside a write leaves
    writeFileSync(stale, 'half a checkpoint');
    ok(['train', 'fusion', '--fusion', 'early', '--resume', '--out', out]);
    expect(existsSync(stale)).toBe(false);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  }, LONG);

  it('trains late fusion\'s own unimodal models when none are given, and refuses an eval of a folder that is no run', () => {
    const out = at('late-own');
    ok(['train', 'fusion', '--fusion', 'late', '--late-rule', 'vote', '--epochs', '1', ...TINY, '--out', out]);
    for (const f of ['image/model.json', 'image/model.safetensors', 'image/metrics.jsonl', 'audio/model.json', 'audio/metrics.jsonl', 'audio/train.csv', 'fusion.json', 'pairing.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const spec = json(join(out, 'fusion.json'));
    expect(spec.late.method).toBe('vote');
    expect(spec.late.fit.temperatures.image).toBeGreaterThan(0);
    expect(spec.audio.model).toBe('audio-cnn');
    const bad = duet(['eval', 'fusion', '--model', at('image'), '--out', at('bad-eval')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/run\.json and fusion\.json are needed there/);
  }, LONG);

  it("fits late rules on another run's held-out voices (--calibrate-on), refusing a run that held out a test speaker", () => {
    // at('audio') held out theo, this run's test speaker: fitting on it would hear the test voice.
    const refused = duet(['train', 'fusion', '--fusion', 'late', '--image-model', at('image'), '--audio-model', at('audio'), '--calibrate-on', at('audio'), '--epochs', '1', ...TINY, '--out', at('late-refused')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/held-out speakers include theo, a test speaker of this run/);
    // A run that held out jackson instead: its model never heard jackson, and theo is not involved.
    mkdirSync(at('split-jackson'));
    const rows = (s: string, reps: number[]) => reps.flatMap((r) => Array.from({ length: 10 }, (_, d) => `recordings/${d}_${s}_${r}.wav,${d}\n`)).join('');
    writeFileSync(at('split-jackson', 'train.csv'), rows('george', [0, 1]));
    writeFileSync(at('split-jackson', 'test.csv'), rows('jackson', [3]));
    ok(['train', 'audio', '--model', 'audio-cnn', '--audio-dir', DATA, '--split', at('split-jackson'), '--limit', '20', '--epochs', '1', '--batch-size', '8', '--out', at('audio-jackson')]);
    const out = at('late-calibrated');
    const calibrated = duet(['train', 'fusion', '--fusion', 'late', '--late-rule', 'learned', '--image-model', at('image'), '--audio-model', at('audio'), '--calibrate-on', at('audio-jackson'), '--epochs', '1', ...TINY, '--out', out]);
    expect(calibrated.status, calibrated.stderr).toBe(0);
    expect(calibrated.stderr).toMatch(/fitted on 10 pairs of voices their audio models never heard \(1 runs\)/);
    expect(json(join(out, 'run.json')).calibrateOn).toEqual([at('audio-jackson')]);
    const gate = json(join(out, 'fusion.json')).late.fit.audioGate;
    expect(gate.widthDb).toBeGreaterThan(0);
    expect(Number.isFinite(gate.centerDb)).toBe(true);
  }, LONG);

  it('sweeps late rules into a leaderboard, skipping finished runs when rerun', () => {
    const grid = at('grid.json');
    writeFileSync(grid, JSON.stringify({
      base: { fusion: 'late', imageModel: 'image', audioModel: 'audio', audioDir: DATA, split: 'split', limit: 20, testLimit: 4, seed: 5 },
      grid: { lateRule: ['average', 'product'] },
      evalSeed: 1,
    }));
    ok(['sweep', '--grid', grid, '--out', at('sweep')]);
    const board = json(at('sweep', 'leaderboard.json'));
    expect(board.runs.map((r: { run: string }) => r.run).sort()).toEqual(['001-lateRule=average', '002-lateRule=product']);
    expect(board.runs.every((r: { status: string; accuracy: number }) => r.status === 'done' && r.accuracy >= 0 && r.accuracy <= 1)).toBe(true);
    expect(board.runs.map((r: { method: string }) => r.method).sort()).toEqual(['late-average', 'late-product']);
    expect(json(at('sweep', '001-lateRule=average', 'fusion.json')).late.method).toBe('average');
    expect(readFileSync(at('sweep', 'leaderboard.md'), 'utf8')).toContain('| rank | run | lateRule | method |');
    const first = readFileSync(at('sweep', 'leaderboard.json'), 'utf8');
    const rerun = duet(['sweep', '--grid', grid, '--out', at('sweep')]);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr.match(/done already, skipped/g)).toHaveLength(2);
    expect(readFileSync(at('sweep', 'leaderboard.json'), 'utf8')).toBe(first);
  }, LONG);

  it('refuses a bad grid file with the file named', () => {
    const grid = at('bad-grid.json');
    writeFileSync(grid, JSON.stringify({ grid: { fusion: ['early'], learningRate: [0.1] } }));
    const r = duet(['sweep', '--grid', grid, '--out', at('bad-sweep')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${grid}: unknown field "learningRate" in grid`);
  });
});
