/**
 * model.json (the model bundle's spec): packages/models parseSpec. Seeds are the specs of the
 * registered models; mutations replace values along a path with hostile ones, add unknown
 * fields, and nest deeply.
 */
import { getModel, makeSpec, modelNames, parseSpec } from '../../packages/models/src/registry';
import type { Rng } from '../engine';
import type { Seed, Target } from '../target';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const PATHS = [
  ['format'], ['model'], ['labels'], ['labels', 0], ['inputShape'], ['inputShape', 1], ['preprocessing'], ['preprocessing', 'kind'],
  ['preprocessing', 'stats'], ['preprocessing', 'stats', 'mean'], ['preprocessing', 'stats', 'std'], ['preprocessing', 'height'],
  ['preprocessing', 'width'], ['preprocessing', 'samples'], ['preprocessing', 'mel'], ['preprocessing', 'mel', 'nMels'],
  ['preprocessing', 'mel', 'hopLength'], ['preprocessing', 'mel', 'nFft'], ['recipe'], ['recipe', 'lr'], ['unknownField'], ['__proto__'],
] as const;

const VALUES: unknown[] = [null, -1, 0, 1, 0.5, 1e308, -1e308, 2 ** 53, 'x', '', 'duet-model/1', 'mnist-cnn', 'a\nb', '\u001b[2J', [], [1, 28, 28], {}, true, 'x'.repeat(3000), { kind: 'image' }];

function seedsOf(): Seed[] {
  return modelNames().map((name) => {
    const def = getModel(name);
    const spec = makeSpec(def, def.preprocessing(), def.recipe, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    return { name, bytes: encoder.encode(JSON.stringify(spec, null, 2)), fields: [] };
  });
}

function special(seed: Seed, rng: Rng): Uint8Array {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(decoder.decode(seed.bytes));
  } catch {
    doc = {};
  }
  if (rng.chance(0.1)) {
    const depth = rng.pick([100, 10_000, 100_000]);
    return encoder.encode(`{"format":"duet-model/1","model":${'['.repeat(depth)}${']'.repeat(depth)}}`);
  }
  const path = rng.pick(PATHS);
  let node = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const value = rng.chance(0.1) ? Array.from({ length: rng.pick([1000, 100_000]) }, () => 7) : rng.pick(VALUES);
  node[path[path.length - 1]] = rng.chance(0.2) ? undefined : value;
  return encoder.encode(JSON.stringify(doc));
}

export const modelJson: Target = {
  name: 'model-json',
  errors: ['ConfigError'],
  extension: '.json',
  seeds: seedsOf,
  special,
  parse: (bytes, file) => parseSpec(decoder.decode(bytes), file),
};
