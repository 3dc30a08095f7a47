/**
 * `duet eval fusion --model RUN --out DIR`: the fusion report of a `duet train fusion` run on
 * its test pairs (or on the test clips of --split DIR paired afresh with the run's seed):
 * report.json, report.md, robustness.png, conditions.png, calibration.png and
 * confusion-<method>.png. `--model`, `--split`, `--audio-dir`, `--mnist-dir` and `--adapter`
 * are the `eval` command's own options (commander gives them to the parent).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadWeights, writeFileAtomic } from '@duet/autograd/node';
import { findAudioCorpus, loadMnist, pairDigits } from '@duet/data/node';
import {
  buildFusionFromSpec, CASES, disagreementMarkdown, parseFusionSpec, robustnessConditions, robustnessMarkdown, type FusionSpec, type LateFusionFit,
} from '@duet/models';
import { CliError } from '../errors';
import { withGpu } from '../gpu';
import { confusionPng } from '../plot/charts';
import { runCommand } from '../run';
import { LABELS } from '../train/prepare';
import { calibrationPng, conditionsPng, robustnessPng } from './plots';
import { fitLateOnPairs, runClipFiles, unimodalProbs } from './predict';
import { fusionReport, type FusionReport, type ReportModels } from './report';
import { loadUnimodal, pairsOf, readJson, readPairing, splitClips, writeJson, type FusionRunConfig } from './run';

interface EvalFusionOptions {
  model: string;
  split?: string;
  audioDir?: string;
  mnistDir?: string;
  adapter?: string;
  out: string;
  seed: number;
  conditions?: string[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export function registerEvalFusion(evalCommand: Command): void {
  evalCommand
    .command('fusion')
    .description('fusion report of a `duet train fusion` run (give the run with eval\'s --model): accuracy of each sense and each fusion, disagreements, robustness, calibration')
    .requiredOption('--out <dir>', 'folder for report.md, report.json and the figures')
    .option('--seed <n>', 'seed of the corruptions (the same seed gives the same report)', (v: string) => {
      if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a non-negative integer');
      return Number(v);
    }, 0)
    .option('--conditions <ids>', `robustness conditions to run, comma-separated (default: all; clean always): ${robustnessConditions().map((c) => c.id).join(', ')}`, (v: string) => {
      const known = robustnessConditions().map((c) => c.id);
      const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = ids.filter((id) => !known.includes(id));
      if (unknown.length || !ids.length) throw new InvalidArgumentError(`unknown condition ${unknown.join(', ') || '(none given)'} (known: ${known.join(', ')})`);
      return ids;
    })
    .action((_: unknown, command: Command) => runCommand(() => evalFusion(command.optsWithGlobals<EvalFusionOptions>())));
}

/** Test pairs: the run's, or --split's test clips paired with MNIST test images by the run's seed. */
function testPairs(o: EvalFusionOptions, run: FusionRunConfig) {
  if (!o.split) return { pairs: pairsOf(readPairing(o.model), 'test'), files: runClipFiles(run, o.model) };
  const root = findAudioCorpus(o.audioDir ?? run.audioDir).root;
  const csv = existsSync(join(o.split, 'test.csv')) ? join(o.split, 'test.csv') : o.split;
  if (!existsSync(csv)) throw new CliError(`--split ${o.split}: ${csv} does not exist`);
  const clips = splitClips(csv, root);
  const labels = { train: loadMnist('train', o.mnistDir ?? run.mnistDir).labels, test: loadMnist('test', o.mnistDir ?? run.mnistDir).labels };
  const pairing = pairDigits({ train: [], test: clips }, labels, { seed: run.seed, validationFraction: 0 });
  return { pairs: pairsOf(pairing, 'test'), files: new Map(clips.map((c) => [c.path, c.file])) };
}

async function evalFusion(o: EvalFusionOptions): Promise<void> {
  const runFile = join(o.model, 'run.json');
  if (!existsSync(runFile) || !existsSync(join(o.model, 'fusion.json'))) throw new CliError(`--model ${o.model}: run.json and fusion.json are needed there (a \`duet train fusion\` run)`);
  const run = readJson<FusionRunConfig>(runFile);
  const spec: FusionSpec = parseFusionSpec(readFileSync(join(o.model, 'fusion.json'), 'utf8'), join(o.model, 'fusion.json'));
  if (spec.fusion !== 'late' && !existsSync(join(o.model, 'model.safetensors'))) throw new CliError(`--model ${o.model}: model.safetensors is missing (has the run finished an epoch?)`);
  const { pairs, files } = testPairs(o, run);
  mkdirSync(o.out, { recursive: true });
  const report = await withGpu({ adapter: o.adapter }, async (ctx) => {
    const image = loadUnimodal(ctx, o.model, 'image');
    const audio = loadUnimodal(ctx, o.model, 'audio');
    const network = spec.fusion === 'late' ? null : buildFusionFromSpec(ctx, spec, run.seed);
    if (network) loadWeights(join(o.model, 'model.safetensors'), network.module);
    try {
      let lateFit: LateFusionFit | null = spec.late?.fit ?? null;
      if (!lateFit && image && audio) {
        // A network run with both unimodal models: the late rules join the comparison, fitted
        // on the run's validation pairs as `duet train fusion --fusion late` would.
        const pairing = readPairing(o.model);
        const validation = pairsOf(pairing, 'validation').length ? pairsOf(pairing, 'validation') : pairsOf(pairing, 'train');
        const p = await unimodalProbs(ctx, run, o.model, validation, image, audio);
        lateFit = fitLateOnPairs(p, run.seed);
      }
      const models: ReportModels = { spec, image, audio, network, lateFit };
      log(`evaluating ${pairs.length} test pairs under every condition`);
      return await fusionReport(ctx, models, pairs, files, { seed: o.seed, mnistDir: o.mnistDir ?? run.mnistDir, log, conditions: o.conditions });
    } finally {
      image?.built.module.free();
      audio?.built.module.free();
      network?.module.free();
    }
  });
  writeJson(join(o.out, 'report.json'), report);
  writeFileAtomic(join(o.out, 'report.md'), new TextEncoder().encode(reportMarkdown(report, resolve(o.model))));
  const title = `${report.fusion} fusion, ${report.test.pairs} test pairs`;
  writeFileAtomic(join(o.out, 'robustness.png'), await robustnessPng(report.robustness, `${title}: robustness`));
  writeFileAtomic(join(o.out, 'conditions.png'), await conditionsPng(report.robustness, `${title}: blanked and missing senses`));
  writeFileAtomic(join(o.out, 'calibration.png'), await calibrationPng(report.methods, `${title}: reliability`));
  for (const [method, figures] of Object.entries(report.methods)) {
    writeFileAtomic(join(o.out, `confusion-${method}.png`), await confusionPng(figures.confusion, LABELS, `${method}: ${title}`));
  }
  process.stdout.write(accuracyTable(report));
  process.stdout.write(`wrote ${join(o.out, 'report.md')}, report.json and figures\n`);
}

const pct = (v: number) => `${(100 * v).toFixed(2)}`;

function accuracyTable(r: FusionReport): string {
  const lines = ['| method | accuracy % | NLL | ECE % |', '|---|---:|---:|---:|'];
  for (const [m, f] of Object.entries(r.methods)) lines.push(`| ${m} | ${pct(f.accuracy)} | ${f.nll.toFixed(4)} | ${pct(f.calibration.ece)} |`);
  return `${lines.join('\n')}\n`;
}

export function reportMarkdown(r: FusionReport, model: string): string {
  const counts = CASES.map((c) => `${c} ${r.disagreement.counts[c]}`).join(', ');
  const fit = r.lateFit
    ? `Late fusion fit (validation pairs): temperatures image ${r.lateFit.temperatures.image.toFixed(3)}, audio ${r.lateFit.temperatures.audio.toFixed(3)}; weighted average image weight ${r.lateFit.imageWeight.toFixed(2)}.\n`
    : 'No late rules: the run has no unimodal models (train with --image-model and --audio-model to compare them).\n';
  return [
    `# Fusion report: ${r.fusion}`,
    '',
    `Run ${model}; ${r.test.pairs} test pairs (${r.test.clips} clips; speakers ${r.test.speakers.join(', ') || '-'}); corruption seed ${r.seed}.`,
    `\`image\`: ${r.unimodal.image}. \`audio\`: ${r.unimodal.audio}.`,
    '',
    '## Accuracy and calibration on clean test pairs',
    '',
    accuracyTable(r),
    fit,
    '## Disagreements',
    '',
    `Cases: ${counts}.`,
    '',
    disagreementMarkdown(r.disagreement),
    '## Robustness (accuracy %)',
    '',
    robustnessMarkdown(r.robustness),
    ...(r.attention ? ['## Attention weights (mean over the test pairs)', '', '| condition | image | audio |', '|---|---:|---:|', ...Object.entries(r.attention).map(([c, w]) => `| ${c} | ${w.image.toFixed(3)} | ${w.audio.toFixed(3)} |`), ''] : []),
    '## Figures',
    '',
    '- robustness.png: accuracy against audio SNR (white noise, babble), image noise sigma and occlusion',
    '- conditions.png: clean, image blanked, image missing, audio missing',
    '- calibration.png: reliability diagram per method (ECE in the legend)',
    `- confusion-<method>.png: ${Object.keys(r.methods).join(', ')}`,
    '',
  ].join('\n');
}
