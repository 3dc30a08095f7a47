/**
 * A fusion run's folder and data. OUT holds run.json (this config), train.csv/test.csv (the
 * audio split), pairing.json + pairing.csv (every pair: train, validation, test), fusion.json
 * (what `duet eval fusion`, export and predict load), image/ and audio/ (the unimodal models the
 * run used or trained: model.json + model.safetensors), and for the fused networks
 * model.safetensors, metrics.jsonl, curves.png, confusion.png and checkpoint.safetensors.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '@duet/gpu';
import { loadWeights, writeFileAtomic } from '@duet/autograd/node';
import { formatPairingCsv, formatPairingJson, loadMnist, pairDigits, parsePairingJson, readSplitCsv, type Pair, type Pairing } from '@duet/data/node';
import { AudioFeaturizer, buildModel, ENSEMBLE_FORMAT, modelFileFormat, parseSpec, type AudioPreprocessing, type BuiltModel, type FusionKind, type ImagePreprocessing, type LateMethod, type ModelSpec } from '@duet/models';
import { CliError } from '../errors';
import { AudioDataset, ImageDataset, type AudioItem, type Dataset } from '../train/datasets';
import { MNIST_AFFINE } from '../train/image_augment';
import { featureMasker, waveAugmenter } from '../train/wave_augment';
import { PairedDataset, pairRows } from './paired';

/** Everything a fusion run needs to rebuild its data and model (run.json, and the checkpoint's config). */
export interface FusionRunConfig {
  readonly task: 'fusion';
  readonly fusion: FusionKind | 'late';
  readonly seed: number;
  /** Corpus root the split CSVs are relative to. */
  readonly audioDir: string;
  readonly mnistDir?: string;
  /** First N training (and testLimit test) clips of the split, before pairing. */
  readonly limit?: number;
  readonly testLimit?: number;
  readonly memoryBudgetBytes: number;
  readonly pairsPerClip: number;
  readonly modalityDropout: number;
  /** Image shifts/rotations and waveform augmentation while training. */
  readonly augment: boolean;
  /** Late fusion's rule (the one fusion.json's `late.method` names). */
  readonly lateRule: LateMethod;
  /** Late: audio runs whose models' answers on their own held-out speakers fit the rules (--calibrate-on). */
  readonly calibrateOn?: readonly string[];
  /** Whether pretrained unimodal models were given (then copied into OUT/image and OUT/audio). */
  readonly pretrained: { readonly image: boolean; readonly audio: boolean };
}

/** Bytes per feature chunk buffer (below lavapipe's 128 MB binding limit). */
const CHUNK_BYTES = 64 << 20;

export function readJson<T>(file: string): T {
  if (!existsSync(file)) throw new CliError(`${file} does not exist`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new CliError(`${file}: not JSON (${(error as Error).message})`);
  }
}

export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}

/** A unimodal run folder (model.json + model.safetensors) of the expected task, checked. */
export function readUnimodal(dir: string, task: 'image' | 'audio', flag: string): ModelSpec {
  const specFile = join(dir, 'model.json');
  const text = existsSync(specFile) ? readFileSync(specFile, 'utf8') : '';
  // NOTE: fusion embeds one model.json per sense (fusion.json, bundles), so it takes one run, not an ensemble.
  if (modelFileFormat(text) === ENSEMBLE_FORMAT) throw new CliError(`${flag} ${dir}: an ensemble folder; fusion takes one \`duet train ${task}\` run (e.g. one of the ensemble's members/N)`);
  if (!existsSync(specFile) || !existsSync(join(dir, 'model.safetensors'))) throw new CliError(`${flag} ${dir}: model.json and model.safetensors are needed there (a \`duet train ${task}\` run)`);
  const spec = parseSpec(text, specFile);
  if (spec.preprocessing.kind !== task) throw new CliError(`${flag} ${dir}: ${spec.model} is an ${spec.preprocessing.kind} model, not ${task}`);
  return spec;
}

/** Copies a unimodal model's two files into OUT/<task>/. */
export function copyUnimodal(from: string, out: string, task: 'image' | 'audio'): void {
  mkdirSync(join(out, task), { recursive: true });
  for (const f of ['model.json', 'model.safetensors']) copyFileSync(join(from, f), join(out, task, f));
}

/** The run's unimodal model `task` with its weights, when OUT/<task>/ holds one. */
export function loadUnimodal(ctx: GpuContext, out: string, task: 'image' | 'audio'): { spec: ModelSpec; built: BuiltModel } | null {
  const dir = join(out, task);
  if (!existsSync(join(dir, 'model.safetensors'))) return null;
  const spec = readUnimodal(dir, task, `${out}:`);
  const built = buildModel(ctx, spec);
  loadWeights(join(dir, 'model.safetensors'), built.module);
  return { spec, built };
}

/** The split's clips (first `limit`), as pairing and the audio datasets take them. */
export function splitClips(csv: string, root: string, limit?: number): { path: string; digit: number; speaker?: string; file: string }[] {
  return readSplitCsv(csv, root)
    .slice(0, limit)
    .map((r) => ({ path: r.path, digit: r.digit, speaker: r.speaker, file: r.file }));
}

/** Pairs the run's split (OUT/train.csv, OUT/test.csv) with MNIST and writes pairing.json/csv. */
export function writePairing(out: string, run: FusionRunConfig): Pairing {
  const train = splitClips(join(out, 'train.csv'), run.audioDir, run.limit);
  const test = splitClips(join(out, 'test.csv'), run.audioDir, run.testLimit);
  const labels = { train: loadMnist('train', run.mnistDir).labels, test: loadMnist('test', run.mnistDir).labels };
  const pairing = pairDigits({ train, test }, labels, { pairsPerClip: run.pairsPerClip, seed: run.seed });
  writeFileAtomic(join(out, 'pairing.json'), new TextEncoder().encode(formatPairingJson(pairing)));
  writeFileAtomic(join(out, 'pairing.csv'), new TextEncoder().encode(formatPairingCsv(pairing.pairs)));
  return pairing;
}

export function readPairing(out: string): Pairing {
  const file = join(out, 'pairing.json');
  if (!existsSync(file)) throw new CliError(`${out} has no pairing.json: not a \`duet train fusion\` run`);
  return parsePairingJson(readFileSync(file, 'utf8'), file);
}

/** The pairs of one split ('train', 'validation' or 'test'). */
export function pairsOf(pairing: Pairing, split: Pair['split']): Pair[] {
  return pairing.pairs.filter((p) => p.split === split);
}

/** Paired datasets on the GPU: images from MNIST (host), clips' features resident or streamed. */
export interface PairedData {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly featurizer: AudioFeaturizer;
  dispose(): void;
}

/** The clips of some pairs (each once, in first-seen order) and each path's row. */
function clipSet(pairs: readonly Pair[], files: ReadonlyMap<string, string>): { items: AudioItem[]; index: Map<string, number> } {
  const index = new Map<string, number>();
  const items: AudioItem[] = [];
  for (const p of pairs) {
    if (index.has(p.audio)) continue;
    const file = files.get(p.audio);
    if (!file) throw new CliError(`pairing names ${p.audio}, which is not in the run's split`);
    index.set(p.audio, items.length);
    items.push({ file, digit: p.label });
  }
  return { items, index };
}

/** The training pairs (augmented when the run says so) and the test pairs as packed rows. */
export async function preparePairs(ctx: GpuContext, out: string, run: FusionRunConfig, pairing: Pairing, image: ModelSpec, audio: ModelSpec, log: (s: string) => void): Promise<PairedData> {
  const imagePre = image.preprocessing as ImagePreprocessing;
  const audioPre = audio.preprocessing as AudioPreprocessing;
  if (audioPre.stats.mean !== 0 || audioPre.stats.std !== 1) throw new CliError(`the audio model ${audio.model} normalises with dataset statistics; fusion takes a per-utterance normalised model (audio-cnn)`);
  const files = new Map([...splitClips(join(out, 'train.csv'), run.audioDir), ...splitClips(join(out, 'test.csv'), run.audioDir)].map((c) => [c.path, c.file]));
  const mnistTrain = loadMnist('train', run.mnistDir);
  const mnistTest = loadMnist('test', run.mnistDir);
  const images = {
    train: new ImageDataset(ctx, mnistTrain.images, mnistTrain.labels, imagePre, run.augment ? { seed: run.seed, options: MNIST_AFFINE } : null),
    test: new ImageDataset(ctx, mnistTest.images, mnistTest.labels, imagePre, null),
  };
  const featurizer = new AudioFeaturizer(ctx, audioPre);
  const budget = { budgetBytes: run.memoryBudgetBytes / 2, chunkBytes: Math.min(CHUNK_BYTES, ctx.limits.maxStorageBufferBindingSize) };
  const trainPairs = pairsOf(pairing, 'train');
  const testPairs = pairsOf(pairing, 'test');
  const trainClips = clipSet(trainPairs, files);
  const testClips = clipSet(testPairs, files);
  // audio-cnn's own augmentation: waveform (shift, gain, noise, speed) then SpecAugment masks.
  const augment = run.augment ? { augment: waveAugmenter(ctx, run.seed), maskFeatures: featureMasker(ctx, run.seed) } : {};
  const audioTrain = await AudioDataset.create(ctx, trainClips.items, featurizer, { ...budget, ...augment });
  const audioTest = await AudioDataset.create(ctx, testClips.items, featurizer, budget);
  const sizes = { image: image.inputShape.reduce((a, b) => a * b, 1), audio: audio.inputShape.reduce((a, b) => a * b, 1) };
  const pack = (pairs: readonly Pair[], imageSet: Dataset, audioSet: Dataset, index: Map<string, number>) => {
    const rows = pairRows(pairs, index);
    return new PairedDataset(ctx, imageSet, audioSet, rows.imageRow, rows.audioRow, rows.labels, sizes);
  };
  const train = pack(trainPairs, images.train, audioTrain, trainClips.index);
  const test = pack(testPairs, images.test, audioTest, testClips.index);
  log(`data: ${train.size} training pairs (${trainClips.items.length} clips x ${run.pairsPerClip} images), ${test.size} test pairs; ${train.mode}${run.augment ? '; augmented' : ''}`);
  return {
    train,
    test,
    featurizer,
    dispose: () => {
      audioTrain.free();
      audioTest.free();
      featurizer.dispose();
    },
  };
}
