/**
 * Leave-one-speaker-out accuracy of audio runs alone and averaged: for every fold (a
 * subfolder present in each LOSO_DIR, as benchmarks/audio_loso.ts writes them) each run is
 * evaluated on its own test split with its own preprocessing, and the ensemble averages the
 * runs' probabilities. --padding replaces the runs' padding at evaluation (a test-time
 * probe; the runs were trained with theirs). --tta 0.9,1,1.1 averages each run's probabilities
 * over the test clips played at those speeds (linear interpolation on the host, as a tape
 * played faster: pitch and formants move with it). Reads checkpoints; writes only --out.
 *
 *   node scripts/run-ts.mjs benchmarks/audio_ensemble.ts [--out FILE.json] [--padding zeros|noise-floor] [--tta SPEEDS] LOSO_DIR…
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav, readSplitCsv } from '@duet/data/node';
import type { GpuContext } from '@duet/gpu';
import { free, fromData, toData } from '@duet/kernels';
import { AudioFeaturizer, buildModel, padOrTrimInto, type AudioPreprocessing, type BuiltModel, type ModelSpec, type Padding } from '@duet/models';
import { HostDataset } from '../apps/cli/src/fusion/paired';
import { openGpu } from '../apps/cli/src/gpu';
import { evaluateLogits } from '../apps/cli/src/train/engine';
import { RunDir } from '../apps/cli/src/train/run_dir';

const args = process.argv.slice(2);
let out: string | undefined;
let padding: Padding | undefined;
let speeds: number[] | null = null;
const dirs: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') out = args[++i];
  else if (args[i] === '--padding') padding = args[++i] as Padding;
  else if (args[i] === '--tta') speeds = args[++i].split(',').map(Number);
  else dirs.push(args[i]);
}
if (dirs.length === 0) {
  console.error('usage: node scripts/run-ts.mjs benchmarks/audio_ensemble.ts [--out FILE.json] [--padding zeros|noise-floor] LOSO_DIR…');
  process.exit(2);
}
const speakers = readdirSync(dirs[0]).filter((s) => dirs.every((d) => existsSync(join(d, s, 'checkpoint.safetensors')))).sort();
const ctx = await openGpu({});
const folds: { speaker: string; runs: number[]; ensemble: number }[] = [];
for (const speaker of speakers) {
  let sum: Float64Array | null = null;
  let labels: Uint8Array | null = null;
  const accuracies: number[] = [];
  for (const d of dirs) {
    const dir = new RunDir(join(d, speaker));
    const { model, config } = dir.readCheckpoint();
    const spec = padding ? { ...config.spec, preprocessing: { ...(config.spec.preprocessing as AudioPreprocessing), padding } } : config.spec;
    // Only the test split is read: the run's own 1x is the --tta 1 case of the same path.
    const test = readSplitCsv(dir.path('test.csv'), config.run.audioDir!);
    const testLabels = Uint8Array.from(test, (r) => r.digit);
    const built = buildModel(ctx, spec, config.run.seed);
    built.module.loadStateDict(model);
    const probs = await ttaProbabilities(ctx, built, spec, test.map((r) => r.file), testLabels, speeds ?? [1]);
    if (labels && labels.join() !== testLabels.join()) throw new Error(`${dir.dir}: its test split differs from ${dirs[0]}/${speaker}'s`);
    labels = testLabels;
    sum ??= new Float64Array(probs.length);
    probs.forEach((p, i) => (sum![i] += p));
    accuracies.push(accuracy(probs, labels));
    built.module.free();
  }
  const fold = { speaker, runs: accuracies, ensemble: accuracy(sum!, labels!) };
  folds.push(fold);
  console.log(`${speaker.padEnd(10)} ${accuracies.map((a) => `${(100 * a).toFixed(1)} %`).join('  ')}  ensemble ${(100 * fold.ensemble).toFixed(1)} %`);
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const summary = { runs: dirs.map((_, k) => mean(folds.map((f) => f.runs[k]))), ensemble: mean(folds.map((f) => f.ensemble)) };
console.log(`${'mean'.padEnd(10)} ${summary.runs.map((a) => `${(100 * a).toFixed(1)} %`).join('  ')}  ensemble ${(100 * summary.ensemble).toFixed(1)} %`);
if (out) {
  const document = { what: 'audio runs alone and averaged (mean of probabilities), leave-one-speaker-out', date: new Date().toISOString(), adapter: ctx.adapter.description, dirs, padding: padding ?? 'as trained', tta: speeds, folds, mean: summary };
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
}

/** Mean over `speeds` of the model's probabilities on the clips played at each speed. -> (N, 10) */
async function ttaProbabilities(ctx: GpuContext, built: BuiltModel, spec: ModelSpec, files: string[], labels: Uint8Array, speeds: number[]): Promise<Float64Array> {
  const pre = spec.preprocessing as AudioPreprocessing;
  const featurizer = new AudioFeaturizer(ctx, pre);
  const waves = files.map((f) => decodeWav(readFileSync(f), f).samples);
  const sum = new Float64Array(files.length * 10);
  for (const speed of speeds) {
    const clips = new Float32Array(files.length * pre.samples);
    waves.forEach((w, b) => padOrTrimInto(clips, b, playAt(w, speed), pre.samples, pre.padding));
    const x = fromData(ctx, clips, [files.length, pre.samples], 'tta.clips');
    const features = featurizer.forward(x);
    free(ctx, x);
    const values = await toData(ctx, features);
    free(ctx, features);
    const data = new HostDataset(ctx, values, featurizer.shape, labels);
    softmaxRows(await evaluateLogits(ctx, built, pre.stats, data, 64, 10), 10).forEach((p, i) => (sum[i] += p / speeds.length));
  }
  featurizer.dispose();
  return sum;
}

/** The clip played `speed` times faster (linear interpolation). */
function playAt(wave: Float32Array, speed: number): Float32Array {
  if (speed === 1) return wave;
  const out = new Float32Array(Math.floor((wave.length - 1) / speed) + 1);
  for (let i = 0; i < out.length; i++) {
    const t = i * speed;
    const k = Math.floor(t);
    out[i] = k + 1 < wave.length ? wave[k] + (t - k) * (wave[k + 1] - wave[k]) : wave[k];
  }
  return out;
}

function softmaxRows(logits: Float32Array, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    const max = Math.max(...row);
    let total = 0;
    for (let c = 0; c < classes; c++) total += out[r * classes + c] = Math.exp(row[c] - max);
    for (let c = 0; c < classes; c++) out[r * classes + c] /= total;
  }
  return out;
}

function accuracy(probs: ArrayLike<number>, labels: Uint8Array): number {
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (probs[r * 10 + c] > probs[r * 10 + best]) best = c;
    if (best === labels[r]) right++;
  }
  return right / labels.length;
}
