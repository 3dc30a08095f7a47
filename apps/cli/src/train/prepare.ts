/**
 * Turns `duet train` options (or a checkpoint's run config) into what a session needs: the
 * split rows (written to OUT/train.csv and OUT/test.csv, the record of the run's data), the
 * model spec with its preprocessing and recipe, and the datasets on the GPU.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '@duet/gpu';
import {
  findAudioCorpus, loadMnist, officialSplit, randomSplit, readSplitCsv, reservedMnistValidation, scanCorpus, speakerSplit, writeSplitCsv,
  type SplitStrategy,
} from '@duet/data/node';
import { AudioFeaturizer, getModel, makeSpec, type AudioPreprocessing, type HeldOutImages, type ImagePreprocessing, type ModelSpec, type PreprocessingOptions, type Recipe } from '@duet/models';
import { CliError } from '../errors';
import { AudioDataset, ImageDataset, pixelScale, type AudioItem, type Dataset } from './datasets';
import { MNIST_AFFINE } from './image_augment';
import type { RunConfig, RunDir } from './run_dir';
import { featureMasker, waveAugmenter } from './wave_augment';

export const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** Bytes per feature chunk buffer: well under lavapipe's 128 MB maxStorageBufferBindingSize. */
const CHUNK_BYTES = 64 << 20;

export interface SplitChoice {
  readonly split?: string;
  readonly strategy?: SplitStrategy;
  readonly testSpeakers?: string[];
  readonly testFraction?: number;
}

/** Writes OUT/train.csv and OUT/test.csv for a new run, from --split DIR or a --strategy. */
export function writeRunSplit(dir: RunDir, audioDir: string, choice: SplitChoice, seed: number): string {
  const root = findAudioCorpus(audioDir).root;
  let split: { train: { path: string; digit: number }[]; test: { path: string; digit: number }[] };
  if (choice.split) {
    const read = (name: string) => readSplitCsv(join(choice.split!, name), root).map((r) => ({ path: r.path, digit: r.digit }));
    split = { train: read('train.csv'), test: read('test.csv') };
  } else {
    const corpus = scanCorpus(root);
    const strategy = choice.strategy ?? 'random';
    if (strategy === 'random') split = randomSplit(corpus.entries, choice.testFraction ?? 0.25, seed);
    else if (strategy === 'official') split = officialSplit(corpus.entries);
    else if (choice.testSpeakers) split = speakerSplit(corpus.entries, choice.testSpeakers);
    else throw new CliError('--strategy speaker needs --test-speakers (one fold); `duet split --strategy speaker` writes every leave-one-speaker-out fold for --split');
  }
  writeSplitCsv(dir.path('train.csv'), split.train);
  writeSplitCsv(dir.path('test.csv'), split.test);
  return root;
}

function readRunSplit(dir: RunDir, root: string, limit?: number, testLimit?: number): { train: AudioItem[]; test: AudioItem[] } {
  const read = (name: string, n?: number) =>
    readSplitCsv(dir.path(name), root)
      .slice(0, n)
      .map((r) => ({ file: r.file, digit: r.digit }));
  return { train: read('train.csv', limit), test: read('test.csv', testLimit) };
}

/** The model spec of a new run: the registry's preprocessing and recipe with the user's overrides. */
export function newSpec(model: string, task: 'audio' | 'image', overrides: Partial<Recipe>, preprocessing: PreprocessingOptions = {}): ModelSpec {
  const def = getModel(model);
  if (def.task !== task) throw new CliError(`--model ${model} is a model for ${def.task}, not ${task}`);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const recipe: Recipe = { ...def.recipe, ...defined };
  return makeSpec(def, def.preprocessing(preprocessing), recipe, LABELS);
}

export interface Prepared {
  readonly spec: ModelSpec;
  readonly train: Dataset;
  readonly test: Dataset;
  dispose(): void;
}

/**
 * Audio datasets on the GPU. For a new run with dataset normalisation the training set's mean
 * is measured here and stored in the spec; a resumed run keeps the spec's.
 */
export async function prepareAudio(ctx: GpuContext, dir: RunDir, run: RunConfig, spec: ModelSpec, measureStats: boolean, log: (s: string) => void): Promise<Prepared> {
  if (!run.audioDir || !existsSync(dir.path('train.csv'))) throw new CliError(`${dir.dir} has no train.csv: not an audio run`);
  const items = readRunSplit(dir, run.audioDir, run.limit, run.testLimit);
  const pre = spec.preprocessing as AudioPreprocessing;
  const featurizer = new AudioFeaturizer(ctx, pre);
  if (featurizer.warning) log(`warning (as torchaudio): ${featurizer.warning}`);
  const wantSum = measureStats && pre.normalization === 'dataset';
  const { augment: kind } = spec.recipe;
  const augment = kind === 'wave' || kind === 'wave+spec' ? waveAugmenter(ctx, run.seed, pre.padding) : undefined;
  const maskFeatures = kind === 'wave+spec' ? featureMasker(ctx, run.seed) : undefined;
  const budget = { budgetBytes: run.memoryBudgetBytes / 2, chunkBytes: Math.min(CHUNK_BYTES, ctx.limits.maxStorageBufferBindingSize) };
  const started = performance.now();
  const train = await AudioDataset.create(ctx, items.train, featurizer, { ...budget, augment, maskFeatures, wantSum });
  const test = await AudioDataset.create(ctx, items.test, featurizer, budget);
  log(`data: ${train.size} training and ${test.size} test recordings, ${train.mode}, features ${pre.mel.nMels} mels x ${spec.inputShape[2]} frames (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  let final = spec;
  if (wantSum) {
    const mean = train.featureSum! / (train.size * spec.inputShape.reduce((a, b) => a * b, 1));
    final = { ...spec, preprocessing: { ...pre, stats: { mean, std: 1 } } };
    log(`training-set mean of the features: ${mean.toFixed(4)} (subtracted at the model's input)`);
  }
  return {
    spec: final,
    train,
    test,
    dispose: () => {
      train.free();
      test.free();
      featurizer.dispose();
    },
  };
}

/** MNIST train (60k) and test (10k) sets, with the recipe's augmentation on the training batches. */
/** MNIST train less the images fusion keeps for validation pairs (`duet train image --hold-out`). */
function withoutHeldOut(m: { images: Uint8Array; labels: Uint8Array; rows: number; cols: number }, heldOut: HeldOutImages, log: (s: string) => void) {
  const reserved = new Set(reservedMnistValidation(m.labels, heldOut.seed, heldOut.fraction));
  const size = m.rows * m.cols;
  const kept = Array.from({ length: m.labels.length }, (_, i) => i).filter((i) => !reserved.has(i));
  const images = new Uint8Array(kept.length * size);
  kept.forEach((i, k) => images.set(m.images.subarray(i * size, (i + 1) * size), k * size));
  log(`held out: ${reserved.size} MNIST training images, those \`duet train fusion --seed ${heldOut.seed}\` pairs with validation clips (fraction ${heldOut.fraction})`);
  return { images, labels: Uint8Array.from(kept, (i) => m.labels[i]) };
}

export function prepareImage(ctx: GpuContext, run: RunConfig, spec: ModelSpec, log: (s: string) => void): Prepared {
  const pre = spec.preprocessing as ImagePreprocessing;
  const take = (split: 'train' | 'test', n?: number) => {
    const m = loadMnist(split, run.mnistDir);
    if (m.rows !== pre.height || m.cols !== pre.width) throw new CliError(`${m.files.images}: images are ${m.rows} x ${m.cols}, the model takes ${pre.height} x ${pre.width}`);
    const { images, labels } = split === 'train' && spec.heldOut ? withoutHeldOut(m, spec.heldOut, log) : m;
    const count = Math.min(labels.length, n ?? labels.length);
    return { pixels: images.subarray(0, count * m.rows * m.cols), labels: labels.subarray(0, count) };
  };
  const trainData = take('train', run.limit);
  const testData = take('test', run.testLimit);
  const augment = spec.recipe.augment === 'mnist-affine' ? { seed: run.seed, options: MNIST_AFFINE } : null;
  // The training loop applies the model's statistics (normalizeInput): the datasets only scale.
  const train = new ImageDataset(ctx, trainData.pixels, trainData.labels, pixelScale(pre), augment);
  const test = new ImageDataset(ctx, testData.pixels, testData.labels, pixelScale(pre), null);
  log(`data: MNIST ${train.size} training and ${test.size} test images${augment ? `, shifts up to ${MNIST_AFFINE.maxShift} px and rotations up to ${MNIST_AFFINE.maxDegrees} degrees` : ''}`);
  return { spec, train, test, dispose: () => undefined };
}
