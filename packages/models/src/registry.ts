/**
 * The registry of named models. Each entry carries its exact preprocessing, its training
 * recipe (optimizer, learning rate, batch size, epochs) and a builder; a ModelSpec (what
 * model.json holds) names the entry and fixes every value, so buildModel(spec) rebuilds the
 * network a run trained.
 */
import type { GpuContext } from '@duet/gpu';
import { Rng } from '@duet/autograd';
import { AudioCnn, AudioGru, labCnn, mnistCnn, type BuiltModel } from './architectures';
import { audioPreprocessing, inputShape, type Normalization, type Padding, type Preprocessing } from './preprocessing';
import { formatProblem, parseJson, SchemaError } from '@duet/data';
import { modelSpecSchema } from './spec_schema';

export type OptimizerName = 'sgd' | 'adam' | 'adamw';
export type Task = 'audio' | 'image';

/** How a model is trained by default (the CLI's options override each field). */
export interface Recipe {
  readonly optimizer: OptimizerName;
  readonly lr: number;
  /** SGD momentum (ignored by Adam). */
  readonly momentum: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  /** Drop an epoch's last short batch (keeps batch-norm statistics from tiny batches). */
  readonly dropLast: boolean;
  readonly epochs: number;
  /** 'cosine': CosineAnnealingLR over the run's epochs (to 0); 'none': constant. */
  readonly schedule: 'none' | 'cosine';
  /** Augmentation of the training batches: MNIST shifts and rotations; waveform shift, gain, noise and speed on the GPU (+ SpecAugment masks). */
  readonly augment: 'none' | 'mnist-affine' | 'wave' | 'wave+spec';
}

export interface PreprocessingOptions {
  readonly samples?: number;
  readonly padding?: Padding;
  readonly normalization?: Normalization;
}

export interface ModelDef {
  readonly name: string;
  readonly task: Task;
  readonly description: string;
  readonly recipe: Recipe;
  /** The preprocessing with its defaults; `samples`, `padding` and `normalization` override the clip length, its filling and its normalisation (audio). */
  preprocessing(options?: PreprocessingOptions): Preprocessing;
  build(ctx: GpuContext, input: readonly number[], rng: Rng): BuiltModel;
}

/** The lab's model and recipe, exactly (torchaudio defaults, 48000 samples, SGD 0.001 / 0.9, batch 32, 30 epochs). */
const LAB_CNN: ModelDef = {
  name: 'lab-cnn',
  task: 'audio',
  description: "the lab's CNN: 2 strided convs + linear on 128-mel dB (torchaudio defaults), training-set mean subtracted",
  recipe: { optimizer: 'sgd', lr: 0.001, momentum: 0.9, weightDecay: 0, batchSize: 32, dropLast: false, epochs: 30, schedule: 'none', augment: 'none' },
  preprocessing: ({ samples = 48000, padding, normalization = 'dataset' } = {}) => {
    if (normalization !== 'dataset') throw new ConfigError(`lab-cnn normalises with the training-set mean, as the lab does (asked: ${normalization})`);
    // NOTE: the lab keeps torchaudio's sample_rate 16000 for the filterbank although FSDD is
    // 8 kHz: the mel bands are placed as if the audio were 16 kHz. Reproduced on purpose.
    return audioPreprocessing({ sampleRate: 8000, samples, mel: {}, db: {}, normalization: 'dataset', padding });
  },
  build: (ctx, input, rng) => labCnn(ctx, input, rng),
};

/** Duet's model for new voices: 8 kHz log-mels (n_fft 256, hop 80, 40 mels) over 1 s, per-utterance normalised. */
const AUDIO_CNN: ModelDef = {
  name: 'audio-cnn',
  task: 'audio',
  description: '4 conv blocks (BN, ReLU, max pool) + global pooling + dropout on 40-mel 8 kHz log-mels, per-utterance normalised',
  recipe: { optimizer: 'adam', lr: 0.003, momentum: 0, weightDecay: 0, batchSize: 32, dropLast: true, epochs: 30, schedule: 'cosine', augment: 'wave+spec' },
  preprocessing: ({ samples = 8000, padding, normalization = 'utterance' } = {}) => {
    if (normalization === 'dataset') throw new ConfigError('audio-cnn normalises each clip on its own (utterance or band), not with dataset statistics');
    return audioPreprocessing({
      sampleRate: 8000,
      samples,
      padding,
      mel: { sampleRate: 8000, nFft: 256, hopLength: 80, nMels: 40, fMin: 20, fMax: 4000 },
      db: { topDb: 80 },
      normalization,
    });
  },
  build: (ctx, input, rng) => {
    const module = new AudioCnn(ctx, input, rng, { channels: [16, 32, 64, 64], dropout: 0.3 });
    return { module, dropouts: [module.dropout] };
  },
};

/** The lab's recurrent option: a bidirectional GRU over the frames of audio-cnn's features. */
const AUDIO_GRU: ModelDef = {
  name: 'audio-gru',
  task: 'audio',
  description: 'bidirectional GRU (64 per direction) over 40-mel 8 kHz log-mel frames, mean over time, dropout, linear',
  recipe: { ...AUDIO_CNN.recipe, lr: 0.002 },
  preprocessing: AUDIO_CNN.preprocessing,
  build: (ctx, input, rng) => {
    const module = new AudioGru(ctx, input, rng, { hiddenSize: 64, bidirectional: true, dropout: 0.3 });
    return { module, dropouts: [module.dropout] };
  },
};

/** Duet's MNIST CNN (two conv + batch norm + pooling blocks) with light augmentation (shifts of up to 2 pixels, rotations of up to 10 degrees). */
const MNIST_CNN: ModelDef = {
  name: 'mnist-cnn',
  task: 'image',
  description: '2 x (conv3x3, batch norm, ReLU, maxpool) of 32 and 64 channels, dropout, dense 128, dense 10 on MNIST, shifts and rotations',
  recipe: { optimizer: 'adam', lr: 0.002, momentum: 0, weightDecay: 0, batchSize: 128, dropLast: true, epochs: 12, schedule: 'cosine', augment: 'mnist-affine' },
  preprocessing: () => ({ kind: 'image', height: 28, width: 28, stats: { mean: 0.1307, std: 0.3081 } }),
  build: (ctx, input, rng) => mnistCnn(ctx, input, rng),
};

export const MODELS: readonly ModelDef[] = [LAB_CNN, AUDIO_CNN, AUDIO_GRU, MNIST_CNN];

export function modelNames(task?: Task): string[] {
  return MODELS.filter((m) => !task || m.task === task).map((m) => m.name);
}

export function getModel(name: string): ModelDef {
  const def = MODELS.find((m) => m.name === name);
  if (!def) throw new ConfigError(`unknown model '${name}' (known: ${modelNames().join(', ')})`);
  return def;
}

/** model.json's format version (fusion.json and bundles embed model.json and check it with its schema). */
export const MODEL_FORMAT = 'duet-model/1';
const FORMAT = MODEL_FORMAT;

/** Everything needed to run a trained model: model.json, beside model.safetensors. */
export interface ModelSpec {
  readonly format: typeof FORMAT;
  readonly model: string;
  /** One example's input (C, H, W). */
  readonly inputShape: readonly number[];
  readonly preprocessing: Preprocessing;
  /** Class names, index = output unit. */
  readonly labels: readonly string[];
  /** The recipe the weights were trained with (for the record; not needed to run the model). */
  readonly recipe: Recipe;
  /** An image model trained without the MNIST images fusion keeps for validation (`duet train image --hold-out`). */
  readonly heldOut?: HeldOutImages;
}

/**
 * MNIST train images left out of an image model's training: those `duet train fusion --seed seed`
 * pairs with validation clips at this validation fraction (reservedMnistValidation).
 */
export interface HeldOutImages {
  readonly seed: number;
  readonly fraction: number;
}

/** A model name or model.json Duet cannot use (the CLI reports it as bad input). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function makeSpec(def: ModelDef, preprocessing: Preprocessing, recipe: Recipe, labels: readonly string[]): ModelSpec {
  return { format: FORMAT, model: def.name, inputShape: inputShape(preprocessing), preprocessing, labels, recipe };
}

/** Parses and checks model.json text against its schema; `file` names the source in errors (one line each). */
export function parseSpec(text: string, file: string): ModelSpec {
  let spec: ModelSpec;
  try {
    spec = parseJson<ModelSpec>(text, file, modelSpecSchema(FORMAT));
  } catch (error) {
    if (error instanceof SchemaError) throw new ConfigError(error.message);
    throw error;
  }
  if (!modelNames().includes(spec.model)) throw new ConfigError(formatProblem(file, 'model', `unknown model '${spec.model}' (known: ${modelNames().join(', ')})`));
  let shape: number[];
  try {
    shape = inputShape(spec.preprocessing);
  } catch (error) {
    throw new ConfigError(formatProblem(file, 'preprocessing', (error as Error).message)); // e.g. a clip shorter than nFft with center false
  }
  if (shape.join() !== spec.inputShape.join()) throw new ConfigError(formatProblem(file, 'inputShape', `[${spec.inputShape.join(', ')}] does not follow from its preprocessing ([${shape.join(', ')}])`));
  return spec;
}

/** Builds the network a spec describes, with initial weights from `seed` (load trained weights after). */
export function buildModel(ctx: GpuContext, spec: ModelSpec, seed = 0): BuiltModel {
  if (spec.labels.length !== 10) throw new ConfigError(`${spec.model} has 10 outputs; the spec lists ${spec.labels.length} labels`);
  return getModel(spec.model).build(ctx, spec.inputShape, new Rng(seed));
}
