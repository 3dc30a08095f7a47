/**
 * Fusion over leave-one-speaker-out folds: for each held-out speaker, `duet train fusion` from a
 * pretrained image run and that fold's audio run (benchmarks/audio_loso.ts wrote them), then
 * `duet eval fusion` on the fold's test pairs (its speaker's clips with MNIST test images) under
 * the clean condition, audio white noise at 0 dB SNR and a blank image. Prints and writes the
 * per-fold accuracy of each sense and each fusion, their means, and the issue's checks: the best
 * fusion above both senses on every fold, at 0 dB at least the image alone, with a blank image
 * at least the audio alone. Finished folds (report.json present) are read, not redone.
 * --calibrate-on-other-folds (late): each fold's rules are fitted on the other folds' audio runs
 * answering their own held-out speakers (`duet train fusion --calibrate-on`), never on the fold's.
 * Usage: node scripts/run-ts.mjs benchmarks/fusion_loso.ts --image RUN --audio-folds DIR --out DIR
 *          [--fusion attention] [--epochs 2] [--audio-dir DIR] [--results FILE] [--calibrate-on-other-folds] [-- extra train fusion options]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDuet } from './duet_cli';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    image: { type: 'string' },
    'audio-folds': { type: 'string' },
    out: { type: 'string' },
    fusion: { type: 'string', default: 'attention' },
    epochs: { type: 'string', default: '2' },
    'audio-dir': { type: 'string', default: process.env.DUET_DATA },
    results: { type: 'string' },
    'calibrate-on-other-folds': { type: 'boolean', default: false },
  },
});
for (const required of ['image', 'audio-folds', 'out', 'audio-dir'] as const) {
  if (!values[required]) throw new Error(`fusion_loso: --${required} is required`);
}
const out = resolve(values.out!);
const folds = resolve(values['audio-folds']!);
const CONDITIONS = ['audio-white-0db', 'image-blank'];

const duetRun = (args: string[]) => runDuet('fusion_loso', args);

interface Point { id: string; accuracy: Record<string, number> }
const speakers = readdirSync(folds).filter((s) => existsSync(join(folds, s, 'model.json'))).sort();
if (!speakers.length) throw new Error(`fusion_loso: no audio runs (folders with model.json) in ${folds}`);
mkdirSync(out, { recursive: true });
const rows: { speaker: string; clean: Record<string, number>; white0: Record<string, number>; imageBlank: Record<string, number>; pairs: number }[] = [];
for (const speaker of speakers) {
  const run = join(out, speaker, 'run');
  const report = join(out, speaker, 'report');
  if (!existsSync(join(report, 'report.json'))) {
    const resume = existsSync(join(run, 'checkpoint.safetensors')) && !existsSync(join(run, 'fusion.json'));
    if (!existsSync(join(run, 'fusion.json')) || resume) {
      duetRun(resume ? ['train', 'fusion', '--out', run, '--resume'] : [
        'train', 'fusion', '--fusion', values.fusion!, '--image-model', resolve(values.image!), '--audio-model', join(folds, speaker),
        '--audio-dir', resolve(values['audio-dir']!), '--strategy', 'speaker', '--test-speakers', speaker, '--epochs', values.epochs!, '--out', run,
        ...(values['calibrate-on-other-folds'] ? ['--calibrate-on', speakers.filter((s) => s !== speaker).map((s) => join(folds, s)).join(',')] : []),
        ...positionals,
      ]);
    }
    duetRun(['eval', 'fusion', '--model', run, '--out', report, '--conditions', CONDITIONS.join(',')]);
  }
  const r = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as { robustness: Point[]; test: { pairs: number } };
  const at = (id: string) => r.robustness.find((p) => p.id === id)!.accuracy;
  rows.push({ speaker, clean: at('clean'), white0: at('audio-white-0db'), imageBlank: at('image-blank'), pairs: r.test.pairs });
}

const methods = Object.keys(rows[0].clean);
const fusions = methods.filter((m) => m !== 'image' && m !== 'audio');
const mean = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((a, row) => a + pick(row), 0) / rows.length;
const means = Object.fromEntries(methods.map((m) => [m, mean((row) => row.clean[m])]));
const best = fusions.reduce((a, b) => (means[b] > means[a] ? b : a));
const checks = {
  best_fusion: best,
  best_mean_at_least_99_9: means[best] >= 0.999,
  best_above_both_senses_every_fold: rows.every((row) => row.clean[best] > row.clean.image && row.clean[best] > row.clean.audio),
  white_0db_at_least_image_alone: rows.every((row) => row.white0[best] >= row.white0.image),
  image_blank_at_least_audio_alone: rows.every((row) => row.imageBlank[best] >= row.imageBlank.audio),
};
const summary = {
  what: `${values.fusion} fusion over leave-one-speaker-out folds (${speakers.join(', ')}), ${values.epochs} epochs from pretrained encoders; every method of duet eval fusion${values['calibrate-on-other-folds'] ? '; late rules fitted on the other folds\' held-out speakers' : ''}`,
  date: new Date().toISOString(),
  command: `node scripts/run-ts.mjs benchmarks/fusion_loso.ts ${process.argv.slice(2).join(' ')}`,
  mean_clean_accuracy: means,
  checks,
  folds: rows,
};
writeFileSync(join(out, 'fusion_loso.json'), JSON.stringify(summary, null, 2) + '\n');
if (values.results) writeFileSync(values.results, JSON.stringify(summary, null, 2) + '\n');
const pct = (v: number) => (100 * v).toFixed(2).padStart(7);
console.log(`${'speaker'.padEnd(10)}${methods.map((m) => m.padStart(21)).join('')}`);
for (const row of rows) console.log(`${row.speaker.padEnd(10)}${methods.map((m) => pct(row.clean[m]).padStart(21)).join('')}`);
console.log(`${'mean'.padEnd(10)}${methods.map((m) => pct(means[m]).padStart(21)).join('')}`);
console.log(JSON.stringify(checks));
