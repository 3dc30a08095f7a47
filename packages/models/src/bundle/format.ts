/**
 * The model bundle `duet export` writes and `duet predict` and the page load: ONE safetensors
 * file. Its `__metadata__` holds, under the key `duet.bundle`, the JSON config (format version,
 * what the model is, the labels, the unimodal model.json specs with all their preprocessing,
 * and for fused models the fusion.json spec: network options or the late rule and its fit with
 * the calibration temperatures); its tensors are all the weights:
 * - unimodal ('image' / 'audio'): the model's state dict under `image.` or `audio.`; for an
 *   ensemble (`duet ensemble`), member N's under `image.N.` or `audio.N.`, the members' specs
 *   and the rule in the config's `ensemble`, and member 0's spec as the `image` / `audio` model
 *   (the front end a reader shows);
 * - 'late': both unimodal models' state dicts, under `image.` and `audio.`;
 * - 'early' / 'intermediate' / 'attention': the fused network's own state names.
 * Parsing trusts nothing: safetensors' checks, then the config's schema (the version first,
 * unknown fields refused, sizes and nesting bounded), then what a schema cannot say (known
 * architectures through parseSpec / parseFusionSpec, matching labels); tensor names and shapes are
 * checked against the built architecture when a predictor is made. Every error is one line
 * naming the file. Nothing in a bundle is ever executed.
 */
import { parseSafetensors, serializeSafetensors, type HostTensor } from '@duet/autograd';
import { checkValue, formatProblem, parseJson, SchemaError, showValue, type ObjectSchema } from '@duet/data';
import { ConfigError, MODEL_FORMAT, parseSpec, type ModelSpec } from '../registry';
import { fusionSchema, parseFusionSpec, type FusionSpec } from '../fusion/spec';
import { modelSpecSchema } from '../spec_schema';
import { ENSEMBLE_RULES, MAX_MEMBERS, MIN_MEMBERS, type EnsembleRule, type EnsembleSpec } from '../ensemble/spec';

export const BUNDLE_FORMAT = 'duet-bundle/1';
/** The `__metadata__` key of the JSON config. */
export const BUNDLE_KEY = 'duet.bundle';

export type BundleKind = 'image' | 'audio' | 'early' | 'intermediate' | 'attention' | 'late';
const KINDS: readonly BundleKind[] = ['image', 'audio', 'early', 'intermediate', 'attention', 'late'];

/** The config's schema: the embedded model.json and fusion.json specs with their own schemas. */
const CONFIG_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    format: { type: 'string', enum: [BUNDLE_FORMAT] },
    kind: { type: 'string', enum: KINDS },
    labels: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, minItems: 10, maxItems: 10 },
    image: modelSpecSchema(MODEL_FORMAT, true),
    audio: modelSpecSchema(MODEL_FORMAT, true),
    fusion: fusionSchema(true),
    // Absent in bundles of a single model (and in those written before ensembles existed).
    ensemble: {
      type: 'object',
      optional: true,
      nullable: true,
      properties: {
        rule: { type: 'string', enum: ENSEMBLE_RULES },
        members: { type: 'array', items: modelSpecSchema(MODEL_FORMAT), minItems: MIN_MEMBERS, maxItems: MAX_MEMBERS },
      },
    },
  },
};

/** The members of an ensemble bundle and how their probabilities are combined. */
export interface BundleEnsemble {
  readonly rule: EnsembleRule;
  /** Each member's model.json; member N's weights are under `<kind>.N.`. */
  readonly members: readonly ModelSpec[];
}

export interface BundleConfig {
  readonly format: typeof BUNDLE_FORMAT;
  readonly kind: BundleKind;
  /** Class names, index = output unit (the digits 0-9). */
  readonly labels: readonly string[];
  /** model.json of the image model (its preprocessing gives the image input); null for an audio-only bundle. */
  readonly image: ModelSpec | null;
  /** model.json of the audio model (its front end gives the audio input); null for an image-only bundle. */
  readonly audio: ModelSpec | null;
  /** fusion.json of a fused model; null for a unimodal one. */
  readonly fusion: FusionSpec | null;
  /** An ensemble of unimodal models (kind 'image' or 'audio'); absent or null for one model. */
  readonly ensemble?: BundleEnsemble | null;
}

export interface Bundle {
  readonly config: BundleConfig;
  readonly tensors: ReadonlyMap<string, HostTensor>;
  /** Where it came from, for messages. */
  readonly source: string;
}

/**
 * A bundle that cannot be used; the message names the file and says what is wrong. It keeps
 * ConfigError's name, so the CLI reports it as bad input (exit 2) like a bad model.json.
 */
export class BundleError extends ConfigError {}

/** The config of a unimodal model (model.json). */
export function unimodalConfig(spec: ModelSpec): BundleConfig {
  const kind = spec.preprocessing.kind;
  return { format: BUNDLE_FORMAT, kind, labels: spec.labels, image: kind === 'image' ? spec : null, audio: kind === 'audio' ? spec : null, fusion: null };
}

/** The config of a fused model (fusion.json). */
export function fusionConfig(spec: FusionSpec): BundleConfig {
  return { format: BUNDLE_FORMAT, kind: spec.fusion, labels: spec.image.labels, image: spec.image, audio: spec.audio, fusion: spec };
}

/** The config of an ensemble folder (its model.json and its members' model.json, in order). */
export function ensembleConfig(spec: EnsembleSpec, members: readonly ModelSpec[]): BundleConfig {
  const kind = spec.task;
  return { format: BUNDLE_FORMAT, kind, labels: spec.labels, image: kind === 'image' ? members[0] : null, audio: kind === 'audio' ? members[0] : null, fusion: null, ensemble: { rule: spec.rule, members } };
}

/** Where member `index` of an ensemble bundle of `kind` keeps its tensors ('audio.1.'). */
export function memberPrefix(kind: 'image' | 'audio', index: number): string {
  return `${kind}.${index}.`;
}

/** The tensors of a state dict renamed under `prefix` ('0.weight' -> 'image.0.weight'). */
export function prefixed(prefix: string, state: ReadonlyMap<string, HostTensor>): [string, HostTensor][] {
  return [...state].map(([name, t]) => [`${prefix}${name}`, t]);
}

/** The bundle's bytes (checked first, so a bundle that is written can be read back). */
export function encodeBundle(config: BundleConfig, tensors: Iterable<[string, HostTensor]>): Uint8Array {
  const list = [...tensors];
  checkConfig(config, 'bundle');
  return serializeSafetensors(list, { [BUNDLE_KEY]: JSON.stringify(config) });
}

/** Parses and checks bundle bytes; `source` (a path or "model/bundle.safetensors") names it in errors. */
export function decodeBundle(bytes: Uint8Array, source: string): Bundle {
  let parsed;
  try {
    parsed = parseSafetensors(bytes, source);
  } catch (error) {
    throw new BundleError(`${(error as Error).message} (not a model bundle)`);
  }
  const text = parsed.metadata[BUNDLE_KEY];
  if (text === undefined) throw new BundleError(`${source}: not a Duet model bundle (no "${BUNDLE_KEY}" in its metadata; write one with duet export)`);
  const config = readConfig(text, source);
  checkConfig(config, source);
  if (parsed.tensors.size === 0) throw new BundleError(`${source}: the bundle holds no weights`);
  return { config, tensors: parsed.tensors, source };
}

/**
 * The config text checked against its schema. A bundle of another format version is refused as
 * such, not for the fields that version added.
 */
function readConfig(text: string, source: string): BundleConfig {
  try {
    return parseJson<BundleConfig>(text, source, CONFIG_SCHEMA);
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    // Past the size and depth checks (the path is empty only for those and for "not JSON"), the text parses.
    const doc: unknown = error.path ? JSON.parse(text) : undefined;
    const format = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as { format?: unknown }).format : undefined;
    if (format !== undefined && format !== BUNDLE_FORMAT) throw new BundleError(formatVersion(source, format));
    throw new BundleError(error.message);
  }
}

function formatVersion(source: string, format: unknown): string {
  return formatProblem(source, '', `bundle format is ${showValue(format)}, this version of Duet reads ${BUNDLE_FORMAT}`);
}

function checkConfig(config: BundleConfig, source: string): void {
  const fail = (detail: string): never => {
    throw new BundleError(formatProblem(source, '', detail));
  };
  // A config made in memory goes through the schema too, as the JSON it will be written as.
  try {
    checkValue(JSON.parse(JSON.stringify(config)), CONFIG_SCHEMA, source);
  } catch (error) {
    if (error instanceof SchemaError) throw new BundleError(config.format !== BUNDLE_FORMAT ? formatVersion(source, config.format) : error.message);
    throw error;
  }
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ConfigError) throw new BundleError(error.message);
      throw error;
    }
  };
  const spec = (which: 'image' | 'audio'): ModelSpec | null => {
    const s = config[which];
    if (s === null || s === undefined) return null;
    const parsed = wrap(() => parseSpec(JSON.stringify(s), `${source} (${which} model)`));
    if (parsed.preprocessing.kind !== which) fail(`the ${which} model is a model of ${parsed.preprocessing.kind}`);
    if (parsed.labels.join('\u0000') !== config.labels.join('\u0000')) fail(`the ${which} model's labels differ from the bundle's`);
    return parsed;
  };
  const image = spec('image');
  const audio = spec('audio');
  const ensemble = config.ensemble ?? null;
  if (config.kind === 'image' || config.kind === 'audio') {
    const [own, other] = config.kind === 'image' ? [image, audio] : [audio, image];
    if (!own) fail(`an ${config.kind} bundle needs its "${config.kind}" model`);
    if (other || config.fusion) fail(`an ${config.kind} bundle holds one model, not "${config.kind === 'image' ? 'audio' : 'image'}" or "fusion"`);
    if (ensemble) checkEnsemble(config.kind, ensemble);
    return;
  }
  if (ensemble) fail(`a ${config.kind} fusion bundle cannot be an "ensemble" (ensembles are of image or audio models)`);
  function checkEnsemble(kind: 'image' | 'audio', e: BundleEnsemble): void {
    e.members.forEach((m, i) => {
      const parsed = wrap(() => parseSpec(JSON.stringify(m), `${source} (ensemble member ${i})`));
      if (parsed.preprocessing.kind !== kind) fail(`ensemble member ${i} is a model of ${parsed.preprocessing.kind}, the bundle is ${kind}`);
      if (parsed.labels.join('\u0000') !== config.labels.join('\u0000')) fail(`ensemble member ${i}'s labels differ from the bundle's`);
    });
    if (JSON.stringify(e.members[0]) !== JSON.stringify(config[kind])) fail(`the "${kind}" model must be ensemble member 0`);
  }
  if (!image || !audio) fail(`a ${config.kind} fusion bundle needs both the "image" and the "audio" model`);
  if (!config.fusion) fail(`a ${config.kind} fusion bundle needs its "fusion" spec`);
  const fusion = wrap(() => parseFusionSpec(JSON.stringify(config.fusion), `${source} (fusion)`));
  if (fusion.fusion !== config.kind) fail(`kind is ${config.kind} but the fusion spec is ${fusion.fusion}`);
  if (JSON.stringify(fusion.image) !== JSON.stringify(config.image) || JSON.stringify(fusion.audio) !== JSON.stringify(config.audio)) {
    fail('the fusion spec\'s image and audio models differ from the bundle\'s');
  }
}
