/**
 * fusion.json: everything needed to run a fused model, beside its weights (what `duet export`
 * bundles and `duet predict` loads). It holds the two unimodal specs (model.json of the image
 * and audio models: their preprocessing, and for late fusion the models whose weights are
 * bundled), the fusion kind and, per kind, the network options or the fitted late fusion.
 */
import { Rng } from '@duet/autograd';
import type { GpuContext } from '@duet/gpu';
import type { BuiltModel } from '../architectures';
import type { ImagePreprocessing } from '../preprocessing';
import { checkValue, parseJson, SchemaError } from '@duet/data';
import { ConfigError, MODEL_FORMAT, parseSpec, type ModelSpec } from '../registry';
import type { Blank, FusionInputs } from './inputs';
import type { LateFusionFit, LateMethod } from './late';
import { fusionSpecSchema } from './spec_schema';
import { buildFusion, type FusionKind, type FusionNetwork, type FusionOptions } from './networks';

const FORMAT = 'duet-fusion/1';

export interface FusionSpec {
  readonly format: typeof FORMAT;
  readonly fusion: FusionKind | 'late';
  /** model.json of the image model (mnist-cnn's preprocessing for the image input). */
  readonly image: ModelSpec;
  /** model.json of the audio model (its front end gives the audio input). */
  readonly audio: ModelSpec;
  /** Network kinds: the options the network was built with (blank values included). */
  readonly options?: FusionOptions;
  /** Late fusion: the rule and what was fitted on the validation pairs. */
  readonly late?: { readonly method: LateMethod; readonly fit: LateFusionFit };
}

/** The packed input's two parts, from the unimodal specs. */
export function fusionInputs(spec: Pick<FusionSpec, 'image' | 'audio'>): FusionInputs {
  return { image: [...spec.image.inputShape], audio: [...spec.audio.inputShape] };
}

/**
 * The blank values at the model's input: an all-background image normalised with the image
 * statistics; 0 for audio (the mean of per-utterance-normalised features, or the training mean
 * with dataset normalisation: an "average clip" that says nothing about the digit).
 */
export function blankFor(image: ModelSpec): Blank {
  const stats = (image.preprocessing as ImagePreprocessing).stats;
  return { image: (0 - stats.mean) / stats.std, audio: 0 };
}

export function makeFusionSpec(fusion: FusionKind | 'late', image: ModelSpec, audio: ModelSpec, extra: { options?: FusionOptions; late?: FusionSpec['late'] }): FusionSpec {
  const spec: FusionSpec = { format: FORMAT, fusion, image, audio, ...(fusion === 'late' ? { late: extra.late } : { options: { blank: blankFor(image), ...extra.options } }) };
  checkFusionSpec(spec, 'fusion spec');
  return spec;
}

/** fusion.json's schema; the bundle embeds it. */
export function fusionSchema(nullable = false) {
  return fusionSpecSchema(FORMAT, MODEL_FORMAT, nullable);
}

/** A SchemaError as the package's ConfigError (the CLI reports it as bad input, exit 2). */
function asConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SchemaError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Parses and checks fusion.json text; `file` names the source in errors. */
export function parseFusionSpec(text: string, file: string): FusionSpec {
  const spec = asConfigError(() => parseJson<FusionSpec>(text, file, fusionSchema()));
  checkFusionSpec(spec, file);
  return spec;
}

/** What the schema cannot say: the unimodal specs' own checks, and the parts each kind needs. */
function checkFusionSpec(spec: FusionSpec, file: string): void {
  // A spec made in memory goes through the schema too, as the JSON it will be written as.
  asConfigError(() => checkValue(JSON.parse(JSON.stringify(spec)), fusionSchema(), file));
  const image = parseSpec(JSON.stringify(spec.image), `${file} (image)`);
  const audio = parseSpec(JSON.stringify(spec.audio), `${file} (audio)`);
  if (image.preprocessing.kind !== 'image' || audio.preprocessing.kind !== 'audio') throw new ConfigError(`${file}: "image" must be an image model and "audio" an audio model`);
  if (spec.fusion === 'late') {
    if (!spec.late) throw new ConfigError(`${file}: late fusion needs "late" (its method and fit)`);
    if (spec.options) throw new ConfigError(`${file}: late fusion has no network "options"`);
  } else {
    if (!spec.options) throw new ConfigError(`${file}: a ${spec.fusion} network needs its options`);
    if (spec.late) throw new ConfigError(`${file}: a ${spec.fusion} network has no "late" fit`);
  }
}

/** Builds the fused network a spec describes (initial weights from `seed`; load trained weights after). */
export function buildFusionFromSpec(ctx: GpuContext, spec: FusionSpec, seed = 0): BuiltModel & { module: FusionNetwork } {
  if (spec.fusion === 'late') throw new ConfigError('late fusion has no fused network: run the image and audio models and combine with lateFuse');
  return buildFusion(ctx, spec.fusion, fusionInputs(spec), new Rng(seed), spec.options);
}
