/**
 * The model bundle (`duet export`'s one safetensors file, read by `duet predict` and the page):
 * packages/models decodeBundle. Seeds are real bundles written by encodeBundle: an image and an
 * audio model (their specs, a few seeded weight tensors under `image.` / `audio.`), a late
 * fusion bundle (both models and the fitted rule), an attention network's and an ensemble of
 * two audio models (members' specs and rule, weights under `audio.0.` / `audio.1.`). Mutations hit
 * the bytes (with the safetensors header length repaired half the time) and, through the
 * special mutator, the JSON config inside `__metadata__` (json_tree's mutations), re-serialised
 * so it reaches the config's checks.
 */
import type { HostTensor } from '../../packages/autograd/src/nn/module';
import { parseSafetensors, serializeSafetensors } from '../../packages/autograd/src/safetensors';
import { BUNDLE_KEY, decodeBundle, encodeBundle, ensembleConfig, fusionConfig, unimodalConfig } from '../../packages/models/src/bundle/format';
import { makeEnsembleSpec } from '../../packages/models/src/ensemble/spec';
import { Rng, type Rng as RngType } from '../engine';
import type { Seed, Target } from '../target';
import { fusionSpecs, unimodalSpecs } from './fusion_json';
import { mutateJson } from './json_tree';
import { safetensors } from './safetensors';

/** A few small tensors of seeded weights named like a state dict under `prefix`. */
function weights(prefix: string, seed: number): [string, HostTensor][] {
  const rng = new Rng(seed);
  const t = (shape: number[]): HostTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.float() * 0.2 - 0.1) });
  return [[`${prefix}0.weight`, t([2, 1, 3, 3])], [`${prefix}0.bias`, t([2])], [`${prefix}9.weight`, t([10, 4])], [`${prefix}9.bias`, t([10])]];
}

function seedsOf(): Seed[] {
  const { image, audio } = unimodalSpecs();
  const specs = new Map(fusionSpecs());
  const ensemble = makeEnsembleSpec([{ spec: audio, where: 'a', source: 'runs/a' }, { spec: audio, where: 'b', source: 'runs/b' }]);
  const files: [string, Uint8Array][] = [
    ['image', encodeBundle(unimodalConfig(image), weights('image.', 1))],
    ['audio', encodeBundle(unimodalConfig(audio), weights('audio.', 2))],
    ['late', encodeBundle(fusionConfig(specs.get('late')!), [...weights('image.', 3), ...weights('audio.', 4)])],
    ['attention', encodeBundle(fusionConfig(specs.get('attention')!), weights('', 5))],
    ['ensemble', encodeBundle(ensembleConfig(ensemble, [audio, audio]), [...weights('audio.0.', 6), ...weights('audio.1.', 7)])],
  ];
  return files.map(([name, bytes]) => ({ name, bytes, fields: [{ at: 0, width: 8, littleEndian: true }] }));
}

/** The bundle with its JSON config mutated (the tensors and other metadata kept). */
function special(seed: Seed, rng: RngType): Uint8Array {
  const parsed = parseSafetensors(seed.bytes, 'seed');
  const config = parsed.metadata[BUNDLE_KEY] ?? '{}';
  return serializeSafetensors(parsed.tensors, { ...parsed.metadata, [BUNDLE_KEY]: mutateJson(config, rng) });
}

export const bundle: Target = {
  name: 'bundle',
  // decodeBundle's BundleError keeps ConfigError's name (the CLI's exit code 2).
  errors: ['ConfigError'],
  extension: '.safetensors',
  seeds: seedsOf,
  special,
  fixup: safetensors.fixup,
  parse: (bytes, file) => decodeBundle(bytes, file),
};
