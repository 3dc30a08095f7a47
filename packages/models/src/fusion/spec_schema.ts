/**
 * The schema of fusion.json (a FusionSpec), checked before any field is used: the two embedded
 * model.json specs with their own schema, the network options or the late rule and its fit,
 * every size bounded so that a hostile file cannot make the loader build a huge network,
 * allocate gigabytes or print pages (issue 8, part 5). What the schema cannot say (the image
 * spec is an image model, the input shape follows from the preprocessing, the architecture is
 * registered) parseFusionSpec checks after it.
 */
import type { ObjectSchema, Schema } from '@duet/data';
import { modelSpecSchema } from '../spec_schema';
import { LATE_METHODS } from './late';
import { FUSION_KINDS } from './networks';

const width = (max: number): Schema => ({ type: 'number', integer: true, min: 1, max });
const widths = (minItems: number, maxItems: number): Schema => ({ type: 'array', items: width(4096), minItems, maxItems, optional: true });
const finite: Schema = { type: 'number', min: -1e30, max: 1e30 };
const probability = (optional: boolean): Schema => ({ type: 'number', min: 0, max: 1, optional });

const OPTIONS: Schema = {
  type: 'object',
  optional: true,
  properties: {
    imageChannels: widths(2, 2),
    imageHidden: { ...width(65536), optional: true },
    audioChannels: widths(1, 16),
    earlyChannels: widths(1, 16),
    headHidden: { ...width(65536), optional: true },
    dropout: probability(true),
    modalityDropout: probability(true),
    blank: { type: 'object', optional: true, properties: { image: finite, audio: finite } },
  },
};

/** Late fusion's rule and fit: calibration temperatures, the weighted rule's weight, the (10, 20) combiner. */
const LATE: Schema = {
  type: 'object',
  optional: true,
  properties: {
    method: { type: 'string', enum: LATE_METHODS },
    fit: {
      type: 'object',
      properties: {
        temperatures: { type: 'object', properties: { image: { type: 'number', above: 0, max: 1e6 }, audio: { type: 'number', above: 0, max: 1e6 } } },
        imageWeight: finite,
        combiner: {
          type: 'object',
          properties: {
            weight: { type: 'array', items: { type: 'array', items: finite, minItems: 20, maxItems: 20 }, minItems: 10, maxItems: 10 },
            bias: { type: 'array', items: finite, minItems: 10, maxItems: 10 },
          },
        },
        audioGate: { type: 'object', optional: true, properties: { centerDb: finite, widthDb: { type: 'number', above: 0, max: 1e6 } } },
      },
    },
  },
};

/** fusion.json's schema. */
export function fusionSpecSchema(format: string, modelFormat: string, nullable = false): ObjectSchema {
  return {
    type: 'object',
    nullable,
    properties: {
      format: { type: 'string', enum: [format] },
      fusion: { type: 'string', enum: [...FUSION_KINDS, 'late'] },
      image: modelSpecSchema(modelFormat),
      audio: modelSpecSchema(modelFormat),
      options: OPTIONS,
      late: LATE,
    },
  };
}
