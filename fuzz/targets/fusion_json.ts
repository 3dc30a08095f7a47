/**
 * fusion.json (a fused model's spec, also embedded in its bundle): packages/models
 * parseFusionSpec. Seeds are specs of every fusion kind built by makeFusionSpec from the
 * registered models' specs (late fusion with a fit on made-up probabilities); mutations are
 * json_tree's schema-blind ones.
 */
import { fitLateFusion } from '../../packages/models/src/fusion/late';
import { makeFusionSpec, parseFusionSpec, type FusionSpec } from '../../packages/models/src/fusion/spec';
import { getModel, makeSpec } from '../../packages/models/src/registry';
import type { Rng } from '../engine';
import type { Seed, Target } from '../target';
import { mutateJson } from './json_tree';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LABELS = [...'0123456789'];

/** The image and audio model specs every fusion seed embeds. */
export function unimodalSpecs() {
  const image = getModel('mnist-cnn');
  const audio = getModel('audio-cnn');
  return {
    image: makeSpec(image, image.preprocessing(), image.recipe, LABELS),
    audio: makeSpec(audio, audio.preprocessing({ samples: 4000 }), audio.recipe, LABELS),
  };
}

/** One spec of each kind: three networks (one with every option set) and late fusion. */
export function fusionSpecs(): [string, FusionSpec][] {
  const { image, audio } = unimodalSpecs();
  // Made-up validation probabilities: row i is confident in class (i + k) % 10.
  const rows = (k: number) => Array.from({ length: 20 }, (_, i) => Array.from({ length: 10 }, (_, c) => (c === (i + k) % 10 ? 0.91 : 0.01)));
  const fit = fitLateFusion(rows(0), rows(1), Array.from({ length: 20 }, (_, i) => i % 10), { seed: 1 });
  return [
    ['early', makeFusionSpec('early', image, audio, {})],
    ['intermediate-options', makeFusionSpec('intermediate', image, audio, { options: { imageChannels: [2, 3], imageHidden: 4, audioChannels: [2, 3], earlyChannels: [4], headHidden: 5, dropout: 0.1, modalityDropout: 0.3 } })],
    ['attention', makeFusionSpec('attention', image, audio, { options: { headHidden: 64 } })],
    ['late', makeFusionSpec('late', image, audio, { late: { method: 'disagreement', fit } })],
  ];
}

export const fusionJson: Target = {
  name: 'fusion-json',
  errors: ['ConfigError'],
  extension: '.json',
  seeds: (): Seed[] => fusionSpecs().map(([name, spec]) => ({ name, bytes: encoder.encode(JSON.stringify(spec, null, 2)), fields: [] })),
  special: (seed: Seed, rng: Rng) => encoder.encode(mutateJson(decoder.decode(seed.bytes), rng)),
  parse: (bytes, file) => parseFusionSpec(decoder.decode(bytes), file),
};
