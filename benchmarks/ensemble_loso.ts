/**
 * Leave-one-speaker-out accuracy of ensembles, measured through the product: for every fold
 * (a speaker subfolder finished in each LOSO_DIR, as benchmarks/audio_loso.ts writes them)
 * `duet ensemble` combines the folds' runs into OUT/<speaker>, and `duet eval` measures that
 * folder on the fold's test split. Writes OUT/ensemble_loso.json (and FILE with --results):
 * per speaker the ensemble's test accuracy and each member's, their mean and the worst fold.
 * Reads the runs (never writes into them); run from the repository root after npm run build.
 * Run again as more folds finish: a fold already measured in OUT from the same runs (and after
 * their last epoch) is read back, not rebuilt, so an interrupted or early run resumes.
 *
 *   node scripts/run-ts.mjs benchmarks/ensemble_loso.ts --out DIR [--audio-dir DIR] [--results FILE] LOSO_DIR LOSO_DIR…
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDuet } from './duet_cli';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    'audio-dir': { type: 'string', default: process.env.DUET_DATA },
    results: { type: 'string' },
  },
});
if (!values.out) throw new Error('ensemble_loso: --out DIR is required');
if (!values['audio-dir']) throw new Error('ensemble_loso: give --audio-dir (or set DUET_DATA) to the FSDD folder');
if (positionals.length < 2) throw new Error('ensemble_loso: give two or more LOSO folders (audio_loso.ts --out folders)');
const out = resolve(values.out);
const audioDir = resolve(values['audio-dir']);
const dirs = positionals.map((d) => resolve(d));

/** Whether a fold's run has finished: its last metrics line is the run's last epoch (model.safetensors is rewritten every epoch). */
function finished(run: string): boolean {
  const spec = join(run, 'model.json');
  const metrics = join(run, 'metrics.jsonl');
  if (!existsSync(spec) || !existsSync(metrics) || !existsSync(join(run, 'model.safetensors'))) return false;
  const lines = readFileSync(metrics, 'utf8').trim().split('\n').filter(Boolean);
  if (!lines.length) return false;
  const epochs = (JSON.parse(readFileSync(spec, 'utf8')) as { recipe: { epochs: number } }).recipe.epochs;
  return (JSON.parse(lines[lines.length - 1]) as { epoch: number }).epoch >= epochs;
}

interface EvalJson {
  accuracy: number;
  count: number;
  ensemble: { members: { accuracy: number; source: string }[] };
}

/**
 * A fold's earlier report in OUT when it measured an ensemble of exactly these runs, in this
 * order, written after each run's final weights; otherwise null (the fold is built and measured).
 */
function measuredBefore(json: string, runs: readonly string[]): EvalJson | null {
  if (!existsSync(json)) return null;
  const report = JSON.parse(readFileSync(json, 'utf8')) as EvalJson;
  const sources = report.ensemble?.members?.map((m) => resolve(m.source)) ?? [];
  if (sources.join('\n') !== runs.join('\n')) return null;
  const written = statSync(json).mtimeMs;
  return runs.every((r) => statSync(join(r, 'model.safetensors')).mtimeMs < written) ? report : null;
}

const speakers = readdirSync(dirs[0]).filter((s) => existsSync(join(dirs[0], s, 'model.json'))).sort();
const skipped = speakers.filter((s) => !dirs.every((d) => finished(join(d, s))));
for (const s of skipped) console.log(`fold ${s}: skipped (not finished in ${dirs.filter((d) => !finished(join(d, s))).join(', ')})`);
mkdirSync(out, { recursive: true });
const folds: { speaker: string; test_acc: number; count: number; members: number[]; ensemble: string }[] = [];
for (const speaker of speakers.filter((s) => !skipped.includes(s))) {
  const runs = dirs.map((d) => join(d, speaker));
  // Every member must have been tested on the same clips, or the fold's figure means nothing.
  const test = readFileSync(join(runs[0], 'test.csv'), 'utf8');
  for (const r of runs.slice(1)) if (readFileSync(join(r, 'test.csv'), 'utf8') !== test) throw new Error(`ensemble_loso: ${r}/test.csv differs from ${runs[0]}/test.csv`);
  const ensemble = join(out, speaker);
  const json = join(out, `${speaker}.eval.json`);
  let report = measuredBefore(json, runs);
  if (report) {
    console.log(`fold ${speaker}: measured before (${json})`);
  } else {
    console.log(`fold ${speaker}:`);
    runDuet('ensemble_loso', ['ensemble', ...runs, '--out', ensemble]);
    runDuet('ensemble_loso', ['eval', '--model', ensemble, '--split', runs[0], '--audio-dir', audioDir, '--json', json]);
    report = JSON.parse(readFileSync(json, 'utf8')) as EvalJson;
  }
  folds.push({ speaker, test_acc: report.accuracy, count: report.count, members: report.ensemble.members.map((m) => m.accuracy), ensemble });
  console.log(`fold ${speaker}: ensemble ${(100 * report.accuracy).toFixed(1)} % (members ${report.ensemble.members.map((m) => `${(100 * m.accuracy).toFixed(1)} %`).join(', ')})`);
}
if (!folds.length) throw new Error('ensemble_loso: no fold is finished in every LOSO folder');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = {
  what: `leave-one-speaker-out, ensembles of ${dirs.length} runs (mean of probabilities) built with duet ensemble and measured with duet eval, ${folds.length} folds`,
  date: new Date().toISOString(),
  command: `node scripts/run-ts.mjs benchmarks/ensemble_loso.ts ${process.argv.slice(2).join(' ')}`,
  members: dirs,
  mean_test_acc: mean(folds.map((f) => f.test_acc)),
  mean_member_acc: dirs.map((_, k) => mean(folds.map((f) => f.members[k]))),
  worst: folds.reduce((a, b) => (b.test_acc < a.test_acc ? b : a)).speaker,
  skipped,
  folds,
};
const text = `${JSON.stringify(summary, null, 2)}\n`;
writeFileSync(join(out, 'ensemble_loso.json'), text);
if (values.results) writeFileSync(values.results, text);
console.log(`mean ${(100 * summary.mean_test_acc).toFixed(1)} % over ${folds.length} folds (members ${summary.mean_member_acc.map((a) => `${(100 * a).toFixed(1)} %`).join(', ')}), worst ${summary.worst}`);
