/**
 * The schema of model.json (a ModelSpec), checked before any field is used: exactly the fields
 * makeSpec writes, with bounds wide enough for any model Duet trains and narrow enough that a
 * hostile file cannot make the loader allocate gigabytes or print pages (issue 8, part 5).
 */
import type { ObjectSchema, Schema } from '@duet/data';

const positiveInt = (max: number): Schema => ({ type: 'number', integer: true, min: 1, max });
/** Rates in Hz: 1 Hz to 1 MHz. */
const RATE: Schema = { type: 'number', above: 0, max: 1e6 };
/** Input statistics: a finite mean and a positive std. */
const STATS: Schema = { type: 'object', properties: { mean: { type: 'number', min: -1e30, max: 1e30 }, std: { type: 'number', above: 0, max: 1e30 } } };

const MEL: Schema = {
  type: 'object',
  properties: {
    sampleRate: RATE,
    nFft: positiveInt(65536),
    winLength: positiveInt(65536),
    hopLength: positiveInt(65536),
    pad: { type: 'number', integer: true, min: 0, max: 65536 },
    nMels: positiveInt(1024),
    power: { type: 'number', above: 0, max: 16 },
    center: { type: 'boolean' },
    padMode: { type: 'string', enum: ['reflect', 'constant', 'replicate', 'circular'] },
    fMin: { type: 'number', min: 0, max: 1e6 },
    fMax: { type: 'number', min: 0, max: 1e6, nullable: true },
    norm: { type: 'string', enum: ['none', 'slaney'] },
    melScale: { type: 'string', enum: ['htk', 'slaney'] },
  },
};

const DB: Schema = {
  type: 'object',
  nullable: true,
  properties: {
    stype: { type: 'string', enum: ['power', 'magnitude'] },
    topDb: { type: 'number', min: 0, max: 1e6, nullable: true },
    amin: { type: 'number', above: 0, max: 1 },
    refValue: { type: 'number', above: 0, max: 1e30 },
  },
};

const AUDIO: ObjectSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    sampleRate: RATE,
    // 10 minutes at 48 kHz: a clip length, not a recording
    samples: positiveInt(48000 * 600),
    padding: { type: 'string', enum: ['zeros', 'noise-floor'], optional: true },
    mel: MEL,
    db: DB,
    normalization: { type: 'string', enum: ['dataset', 'utterance', 'band'] },
    stats: STATS,
  },
};

const IMAGE: ObjectSchema = {
  type: 'object',
  properties: { kind: { type: 'string' }, height: positiveInt(4096), width: positiveInt(4096), stats: STATS },
};

const RECIPE: Schema = {
  type: 'object',
  properties: {
    optimizer: { type: 'string', enum: ['sgd', 'adam', 'adamw'] },
    lr: { type: 'number', min: 0, max: 1e6 },
    momentum: { type: 'number', min: 0, max: 1 },
    weightDecay: { type: 'number', min: 0, max: 1e6 },
    batchSize: positiveInt(1 << 20),
    dropLast: { type: 'boolean' },
    epochs: { type: 'number', integer: true, min: 0, max: 1e6 },
    schedule: { type: 'string', enum: ['none', 'cosine'] },
    augment: { type: 'string', enum: ['none', 'mnist-affine', 'wave', 'wave+spec'] },
  },
};

/** model.json's schema. */
export function modelSpecSchema(format: string, nullable = false): ObjectSchema {
  return {
    type: 'object',
    nullable,
    properties: {
      format: { type: 'string', enum: [format] },
      // Checked against the registry by parseSpec, whose message names the known models.
      model: { type: 'string', minLength: 1, maxLength: 100 },
      inputShape: { type: 'array', items: positiveInt(1 << 20), minItems: 3, maxItems: 3 },
      preprocessing: { type: 'tagged', key: 'kind', variants: { audio: AUDIO, image: IMAGE } },
      labels: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, minItems: 2, maxItems: 1000 },
      recipe: RECIPE,
      heldOut: {
        type: 'object',
        optional: true,
        properties: { seed: { type: 'number', integer: true, min: 0, max: Number.MAX_SAFE_INTEGER }, fraction: { type: 'number', above: 0, max: 1 } },
      },
    },
  };
}
