/**
 * `duet ensemble` through the built CLI, on runs written from seeded random weights (the tests
 * check the plumbing, not accuracy): an audio ensemble of two models that differ in architecture
 * and preprocessing (audio-cnn on 1600 samples, lab-cnn on 4800 with dataset statistics).
 * `duet eval` of the ensemble gives the mean of the probabilities `duet eval` gives for each
 * member, after the folder has been moved; the exported bundle predicts the mean of the
 * members' bundles; the error cases give one line naming the folder, exit 2.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { describeGpu, itGpu } from '@duet/gpu/testing';
import { specOf, writeUnimodalRun } from './bundle_runs';
import { duet, failsWith, FSDD_DATA, FSDD_RECORDINGS, haveFsdd, writeTinySplit } from './cli';

const haveData = haveFsdd();
if (!haveData) console.warn(`cli: ${FSDD_DATA}/fsdd not found; duet ensemble tests skipped`);

const dir = mkdtempSync(join(tmpdir(), 'duet-ensemble-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

function ok(args: string[]): ReturnType<typeof duet> {
  const run = duet(args);
  expect(run.stderr.split('\n').filter((l) => l.startsWith('duet:')), args.join(' ')).toEqual([]);
  expect(run.status, args.join(' ')).toBe(0);
  return run;
}

interface EvalJson {
  accuracy: number;
  loss: number;
  count: number;
  examples: { label: number; probabilities: number[] }[];
  ensemble?: { rule: string; members: { model: string; source: string; accuracy: number; loss: number }[] };
}

function evaluate(model: string, json: string, extra: string[] = []): { report: EvalJson; stdout: string } {
  const run = ok(['eval', '--model', model, '--json', json, '--probabilities', ...extra]);
  return { report: JSON.parse(readFileSync(json, 'utf8')) as EvalJson, stdout: run.stdout };
}

(haveData ? describeGpu : () => undefined)('duet ensemble', (gpu) => {
  const runs = { a: at('run-a'), b: at('run-b'), image1: at('run-image1'), image2: at('run-image2') };
  let split: string;

  beforeAll(async () => {
    const ctx = gpu();
    await writeUnimodalRun(ctx, runs.a, specOf('audio-cnn', 1600), 1);
    // lab-cnn normalises with dataset statistics: make them non-trivial, as a trained run's are.
    const lab = specOf('lab-cnn', 4800);
    await writeUnimodalRun(ctx, runs.b, { ...lab, preprocessing: { ...lab.preprocessing, stats: { mean: -40, std: 1 } } }, 2);
    await writeUnimodalRun(ctx, runs.image1, specOf('mnist-cnn'), 3);
    await writeUnimodalRun(ctx, runs.image2, specOf('mnist-cnn'), 4);
    split = at('split');
    mkdirSync(split);
    writeTinySplit(split);
  }, 300_000);

  itGpu("eval: the ensemble's probabilities are the mean of each member's own, each member's accuracy is reported, and the folder moves", () => {
    const made = at('made');
    const wrote = ok(['ensemble', runs.a, runs.b, '--out', made]);
    expect(wrote.stdout).toMatch(/audio ensemble of 2 \(audio-cnn from .*run-a, lab-cnn from .*run-b\), mean of probabilities/);
    const spec = JSON.parse(readFileSync(join(made, 'model.json'), 'utf8'));
    expect(spec).toMatchObject({ format: 'duet-ensemble/1', task: 'audio', rule: 'mean-probabilities', members: [{ model: 'audio-cnn', source: runs.a }, { model: 'lab-cnn', source: runs.b }] });
    for (const [i, run] of [runs.a, runs.b].entries()) {
      for (const f of ['model.json', 'model.safetensors']) expect(readFileSync(join(made, 'members', String(i), f)).equals(readFileSync(join(run, f))), f).toBe(true);
    }
    // Self-contained: moved elsewhere, it still evaluates.
    const moved = at('moved');
    renameSync(made, moved);
    const common = ['--split', split, '--audio-dir', FSDD_DATA];
    const a = evaluate(runs.a, at('a.json'), common).report;
    const b = evaluate(runs.b, at('b.json'), common).report;
    const { report: e, stdout } = evaluate(moved, at('e.json'), common);
    expect(stdout).toMatch(/member 0 audio-cnn .*: accuracy [\d.]+%\nmember 1 lab-cnn .*: accuracy [\d.]+%\nensemble \(mean-probabilities\):\naccuracy/);
    expect(e.count).toBe(10);
    expect(e.examples.map((x) => x.label)).toEqual(a.examples.map((x) => x.label));
    let right = 0;
    let loss = 0;
    e.examples.forEach((x, i) => {
      x.probabilities.forEach((p, c) => expect(p).toBeCloseTo((a.examples[i].probabilities[c] + b.examples[i].probabilities[c]) / 2, 6));
      if (x.probabilities.indexOf(Math.max(...x.probabilities)) === x.label) right++;
      loss -= Math.log(x.probabilities[x.label]) / e.count;
    });
    // Random members disagree somewhere, or the mean would not be tested.
    expect(a.examples.some((x, i) => x.probabilities.some((p, c) => Math.abs(p - b.examples[i].probabilities[c]) > 1e-3))).toBe(true);
    expect(e.accuracy).toBe(right / e.count);
    expect(e.loss).toBeCloseTo(loss, 4);
    expect(e.ensemble!.members.map((m) => [m.model, m.accuracy])).toEqual([['audio-cnn', a.accuracy], ['lab-cnn', b.accuracy]]);

    // Rewriting an ensemble folder replaces it whole (members in the new order).
    ok(['ensemble', runs.b, runs.a, '--out', moved]);
    expect(JSON.parse(readFileSync(join(moved, 'model.json'), 'utf8')).members.map((m: { model: string }) => m.model)).toEqual(['lab-cnn', 'audio-cnn']);
  }, 600_000);

  itGpu('export and predict: the bundle predicts the mean of the members\' bundles; an image ensemble evaluates on MNIST', () => {
    const made = at('made-2');
    ok(['ensemble', runs.a, runs.b, '--out', made]);
    const clip = join(FSDD_RECORDINGS, '3_theo_0.wav');
    const predict = (model: string, bundle: string) => {
      ok(['export', '--model', model, '--out', bundle]);
      return JSON.parse(ok(['predict', '--model', bundle, '--audio', clip, '--json']).stdout) as { audio: number[]; fused: number[]; digit: number };
    };
    const a = predict(runs.a, at('a.duet'));
    const b = predict(runs.b, at('b.duet'));
    const e = predict(made, at('e.duet'));
    e.fused.forEach((p, c) => expect(p).toBeCloseTo((a.audio[c] + b.audio[c]) / 2, 5));
    expect(e.audio).toEqual(e.fused);
    expect(e.digit).toBe(e.fused.indexOf(Math.max(...e.fused)));
    expect(ok(['predict', '--model', at('e.duet'), '--audio', clip]).stdout).toMatch(/^model {3}audio \(ensemble of audio-cnn, lab-cnn, mean-probabilities\)\nmember0 .*\nmember1 .*\nimage {3}-\naudio /);

    const images = at('images');
    ok(['ensemble', runs.image1, runs.image2, '--out', images]);
    const { report } = evaluate(images, at('images.json'), ['--limit', '12']);
    expect(report.count).toBe(12);
    expect(report.ensemble!.members.map((m) => m.model)).toEqual(['mnist-cnn', 'mnist-cnn']);
  }, 600_000);

  itGpu('refuses what cannot be an ensemble with one line naming the folder (exit 2), and never overwrites a run', () => {
    const out = at('refused');
    const empty = at('empty');
    mkdirSync(empty);
    failsWith(['ensemble', runs.a, empty, '--out', out], new RegExp(`${empty}: not a model folder: model.json and model.safetensors are needed there`));
    failsWith(['ensemble', runs.a, '--out', out], new RegExp(`an ensemble needs at least 2 models, got 1 \\(${runs.a}\\)`));
    failsWith(['ensemble', runs.a, runs.image1, '--out', out], new RegExp(`${runs.image1}: mnist-cnn is an image model but ${runs.a} is an audio model`));
    const relabelled = at('run-relabelled');
    cpSync(runs.b, relabelled, { recursive: true });
    const spec = JSON.parse(readFileSync(join(relabelled, 'model.json'), 'utf8'));
    writeFileSync(join(relabelled, 'model.json'), JSON.stringify({ ...spec, labels: ['zero', ...spec.labels.slice(1)] }));
    failsWith(['ensemble', runs.a, relabelled, '--out', out], new RegExp(`${relabelled}: its labels \\[zero, 1, .*\\] differ from ${runs.a}'s`));
    failsWith(['ensemble', runs.a, runs.a, '--out', out], /given twice/);
    expect(existsSync(out)).toBe(false);
    // --out naming a training run is refused and the run is left as it was.
    const before = readFileSync(join(runs.b, 'model.safetensors'));
    const fine = at('fine');
    ok(['ensemble', runs.image1, runs.image2, '--out', fine]);
    failsWith(['ensemble', runs.image1, runs.image2, '--out', runs.a], new RegExp(`--out ${runs.a}: exists and is not an ensemble folder`));
    expect(readFileSync(join(runs.b, 'model.safetensors')).equals(before)).toBe(true);
    // An ensemble is not a member, and an incomplete one is refused by eval.
    failsWith(['ensemble', fine, runs.image1, '--out', out], new RegExp(`${fine}: an ensemble folder, not a run folder`));
    // Fusion embeds one model per sense: it names the ensemble and asks for one run.
    const voices = at('voices');
    ok(['ensemble', runs.a, runs.b, '--out', voices]);
    failsWith(['train', 'fusion', '--fusion', 'late', '--image-model', runs.image1, '--audio-model', voices, '--split', split, '--audio-dir', FSDD_DATA, '--out', at('fusion')], new RegExp(`--audio-model ${voices}: an ensemble folder; fusion takes one \`duet train audio\` run`));
    rmSync(join(fine, 'members', '1', 'model.safetensors'));
    failsWith(['eval', '--model', fine, '--limit', '4'], /member 1: .*model\.safetensors is missing/);
  }, 300_000);
});
