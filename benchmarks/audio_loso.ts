/**
 * Leave-one-speaker-out over a spoken-digit corpus: one `duet train audio` run per speaker held
 * out (the others train), then the per-speaker test accuracy, their mean and the worst fold.
 * A fold whose run finished is read, not retrained; a killed fold resumes from its checkpoint.
 * Usage: node scripts/run-ts.mjs benchmarks/audio_loso.ts --out DIR [--model audio-cnn]
 *          [--epochs N] [--speakers a,b] [--audio-dir DIR] [--results FILE] [-- extra duet options]
 * Writes DIR/loso.json (and FILE when --results is given): per fold the final metrics line of
 * its metrics.jsonl and the run's folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDuet } from './duet_cli';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    model: { type: 'string', default: 'audio-cnn' },
    epochs: { type: 'string' },
    speakers: { type: 'string' },
    'audio-dir': { type: 'string', default: process.env.DUET_DATA },
    results: { type: 'string' },
  },
});
if (!values.out) throw new Error('audio_loso: --out DIR is required');
if (!values['audio-dir']) throw new Error('audio_loso: give --audio-dir (or set DUET_DATA) to the FSDD folder');
const out = resolve(values.out);
const audioDir = resolve(values['audio-dir']);

/** Speakers of an FSDD folder ({digit}_{speaker}_{index}.wav), wherever its recordings lie. */
function speakersOf(dir: string): string[] {
  const recordings = [join(dir, 'fsdd', 'recordings'), join(dir, 'recordings'), dir].find((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.wav')));
  if (!recordings) throw new Error(`audio_loso: no .wav files in ${dir} (nor in its fsdd/recordings or recordings)`);
  const names = readdirSync(recordings).map((f) => /^\d_([^_]+)_\d+\.wav$/.exec(f)?.[1]).filter((s): s is string => !!s);
  return [...new Set(names)].sort();
}

interface Metrics { epoch: number; test_acc: number; test_loss: number; train_acc: number; samples_per_s: number; seconds: number }

function finalMetrics(run: string): Metrics | null {
  const file = join(run, 'metrics.jsonl');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  return lines.length ? (JSON.parse(lines[lines.length - 1]) as Metrics) : null;
}

const speakers = values.speakers ? values.speakers.split(',') : speakersOf(audioDir);
mkdirSync(out, { recursive: true });
const folds: { speaker: string; run: string; metrics: Metrics }[] = [];
for (const speaker of speakers) {
  const run = join(out, speaker);
  // model.safetensors is rewritten after every epoch: a fold is done when its last metrics
  // line is the run's last epoch (model.json's recipe holds the run's epochs).
  const spec = existsSync(join(run, 'model.json')) ? (JSON.parse(readFileSync(join(run, 'model.json'), 'utf8')) as { recipe: { epochs: number } }) : null;
  const last = finalMetrics(run);
  const done = spec && last && last.epoch >= spec.recipe.epochs;
  if (!done) {
    const resume = existsSync(join(run, 'checkpoint.safetensors'));
    const args = resume
      ? ['train', 'audio', '--out', run, '--resume']
      : ['train', 'audio', '--model', values.model!, '--audio-dir', audioDir, '--strategy', 'speaker', '--test-speakers', speaker, '--out', run,
          ...(values.epochs ? ['--epochs', values.epochs] : []), ...positionals];
    console.log(`fold ${speaker}:`);
    runDuet('audio_loso', args);
  }
  const metrics = finalMetrics(run);
  if (!metrics) throw new Error(`audio_loso: fold ${speaker} left no metrics in ${run}`);
  folds.push({ speaker, run, metrics });
  console.log(`fold ${speaker}: test accuracy ${(100 * metrics.test_acc).toFixed(1)} % after ${metrics.epoch} epochs`);
}
const accuracies = folds.map((f) => f.metrics.test_acc);
const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
const summary = {
  what: `leave-one-speaker-out, ${values.model}, ${folds.length} folds`,
  date: new Date().toISOString(),
  command: `node scripts/run-ts.mjs benchmarks/audio_loso.ts ${process.argv.slice(2).join(' ')}`,
  mean_test_acc: mean,
  worst: folds.reduce((a, b) => (b.metrics.test_acc < a.metrics.test_acc ? b : a)).speaker,
  folds: folds.map((f) => ({ speaker: f.speaker, test_acc: f.metrics.test_acc, epochs: f.metrics.epoch, samples_per_s: f.metrics.samples_per_s, run: f.run })),
};
writeFileSync(join(out, 'loso.json'), JSON.stringify(summary, null, 2) + '\n');
if (values.results) writeFileSync(values.results, JSON.stringify(summary, null, 2) + '\n');
for (const f of folds) console.log(`${f.speaker.padEnd(10)} ${(100 * f.metrics.test_acc).toFixed(1).padStart(5)} %`);
console.log(`${'mean'.padEnd(10)} ${(100 * mean).toFixed(1).padStart(5)} %`);
