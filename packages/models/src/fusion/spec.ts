/**
 * fusion.json: everything needed to run a fused model, beside its weights (what `duet export`
 * bundles and `duet predict` loads). It holds the two unimodal specs (model.json of the image
 * and audio models: their preprocessing, and for late fusion the models whose weights are
 * bundled), the fusion kind and, per kind, the network options or the fitted late fusion.
 */
import { Rng } from '@duet/autograd';
import type { GpuContext } from '@duet/gpu';
import type { BuiltModel } from '../architectures';
import { inputShape, type ImagePreprocessing } from '../preprocessing';
import { ConfigError, parseSpec, type ModelSpec } from '../registry';
import type { Blank, FusionInputs } from './inputs';
import { LATE_METHODS, type LateFusionFit, type LateMethod } from './late';
import { buildFusion, FUSION_KINDS, type FusionKind, type FusionNetwork, type FusionOptions } from './networks';

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

/** Parses and checks fusion.json text; `file` names the source in errors. */
export function parseFusionSpec(text: string, file: string): FusionSpec {
  let spec: FusionSpec;
  try {
    spec = JSON.parse(text) as FusionSpec;
  } catch (error) {
    throw new ConfigError(`${file}: not JSON (${(error as Error).message})`);
  }
  checkFusionSpec(spec, file);
  return spec;
}

function checkFusionSpec(spec: FusionSpec, file: string): void {
  if (spec?.format !== FORMAT) throw new ConfigError(`${file}: format is ${JSON.stringify(spec?.format)}, not ${FORMAT}`);
  if (spec.fusion !== 'late' && !FUSION_KINDS.includes(spec.fusion)) throw new ConfigError(`${file}: fusion ${JSON.stringify(spec.fusion)} is not one of ${[...FUSION_KINDS, 'late'].join(', ')}`);
  // The unimodal specs go through model.json's own checks.
  const image = parseSpec(JSON.stringify(spec.image), `${file} (image)`);
  const audio = parseSpec(JSON.stringify(spec.audio), `${file} (audio)`);
  if (image.preprocessing.kind !== 'image' || audio.preprocessing.kind !== 'audio') throw new ConfigError(`${file}: "image" must be an image model and "audio" an audio model`);
  if (inputShape(image.preprocessing).join() !== image.inputShape.join()) throw new ConfigError(`${file}: the image input shape does not follow from its preprocessing`);
  if (spec.fusion === 'late') {
    const late = spec.late;
    if (!late || !LATE_METHODS.includes(late.method)) throw new ConfigError(`${file}: late fusion needs late.method, one of ${LATE_METHODS.join(', ')}`);
    const { temperatures, imageWeight, combiner } = late.fit ?? {};
    const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    if (!(temperatures?.image > 0 && temperatures?.audio > 0) || !finite(imageWeight) || !Array.isArray(combiner?.weight) || combiner.weight.length !== 10
      || !combiner.weight.every((row) => Array.isArray(row) && row.length === 20 && row.every(finite)) || !Array.isArray(combiner.bias) || combiner.bias.length !== 10 || !combiner.bias.every(finite)) {
      throw new ConfigError(`${file}: late.fit must hold positive temperatures, a finite image weight and a 10 x 20 combiner with 10 biases`);
    }
  } else if (typeof spec.options !== 'object' || spec.options === null) {
    throw new ConfigError(`${file}: a ${spec.fusion} network needs its options`);
  }
}

/** Builds the fused network a spec describes (initial weights from `seed`; load trained weights after). */
export function buildFusionFromSpec(ctx: GpuContext, spec: FusionSpec, seed = 0): BuiltModel & { module: FusionNetwork } {
  if (spec.fusion === 'late') throw new ConfigError('late fusion has no fused network: run the image and audio models and combine with lateFuse');
  return buildFusion(ctx, spec.fusion, fusionInputs(spec), new Rng(seed), spec.options);
}
