/**
 * The fusion report's figures for every method on the same test pairs, under every robustness
 * condition of @duet/models (clean, audio white noise and babble per SNR, image noise,
 * occlusion, blanking, each sense missing). Methods: `image` and `audio` (the run's unimodal
 * models, or the fused network with the other sense blank when the run has none), the run's
 * fused network (named by its kind) and, when both unimodal models exist, every late rule
 * (`late-<rule>`), given each row's reliability as measured on its inputs (a blank image or a
 * silent clip is absent; the audio's SNR feeds the fit's gate). Every corruption is seeded, so
 * the same seed gives the same report.
 */
import type { GpuContext } from '@duet/gpu';
import type { Pair } from '@duet/data/node';
import {
  AudioFeaturizer, blankFor, clipHasSound, corruptClips, corruptImages, disagreementTable, estimateSnrDb, fusionInputs, imageHasInk, LATE_METHODS, lateFuse, methodFigures, robustnessConditions, robustnessPoints,
  type RowReliability,
  type AudioPreprocessing, type BuiltModel, type Condition, type DisagreementTable, type FusionNetwork, type FusionSpec, type ImagePreprocessing, type LateFusionFit, type MethodFigures, type ModelSpec,
  type RobustnessPoint,
} from '@duet/models';
import { featurize, meanAttention, networkProbs, normalizeImages, pairPixels, pairWaves, probabilities } from './predict';

export interface ReportModels {
  readonly spec: FusionSpec;
  readonly image: { spec: ModelSpec; built: BuiltModel } | null;
  readonly audio: { spec: ModelSpec; built: BuiltModel } | null;
  readonly network: (BuiltModel & { module: FusionNetwork }) | null;
  /** Late fusion's fit (the run's, or fitted on the validation pairs for a network run). */
  readonly lateFit: LateFusionFit | null;
}

export interface FusionReport {
  readonly format: 'duet-fusion-report/1';
  readonly fusion: FusionSpec['fusion'];
  readonly seed: number;
  readonly test: { readonly pairs: number; readonly clips: number; readonly speakers: string[] };
  /** How `image` and `audio` were obtained. */
  readonly unimodal: { readonly image: string; readonly audio: string };
  readonly lateFit: LateFusionFit | null;
  /** Clean test pairs: accuracy, NLL, ECE with reliability bins, confusion matrix. */
  readonly methods: Record<string, MethodFigures>;
  readonly disagreement: DisagreementTable;
  readonly robustness: RobustnessPoint[];
  /** Attention fusion: the mean modality weights per condition (which sense it trusted). */
  readonly attention: Record<string, { readonly image: number; readonly audio: number }> | null;
}

type Probs = number[][];

/** Every method's probabilities under one condition (a method is absent when it cannot answer). */
async function conditionProbs(ctx: GpuContext, models: ReportModels, images: Float32Array | null, audio: Float32Array | null, count: number, reliability: RowReliability): Promise<Record<string, Probs>> {
  const { spec } = models;
  const out: Record<string, Probs> = {};
  const inputs = fusionInputs(spec);
  const blank = blankFor(spec.image);
  const net = models.network;
  const imageProbs = images && models.image ? await probabilities(ctx, models.image.built, images, models.image.spec.inputShape, count) : null;
  const audioProbs = audio && models.audio ? await probabilities(ctx, models.audio.built, audio, models.audio.spec.inputShape, count) : null;
  if (images) out.image = imageProbs ?? (await networkProbs(ctx, net!, inputs, blank, images, null, count));
  if (audio) out.audio = audioProbs ?? (await networkProbs(ctx, net!, inputs, blank, null, audio, count));
  if (net) out[spec.fusion] = await networkProbs(ctx, net, inputs, blank, images, audio, count);
  if (models.lateFit && models.image && models.audio && (imageProbs || audioProbs)) {
    for (const rule of LATE_METHODS) out[`late-${rule}`] = lateFuse(rule, models.lateFit, imageProbs, audioProbs, reliability);
  }
  return out;
}

/** The report on `pairs` (test pairs) with corruptions drawn from `seed`. */
export async function fusionReport(
  ctx: GpuContext,
  models: ReportModels,
  pairs: readonly Pair[],
  clipFiles: ReadonlyMap<string, string>,
  options: { seed: number; mnistDir?: string; log: (s: string) => void; conditions?: readonly string[] },
): Promise<FusionReport> {
  const { spec } = models;
  const imagePre = spec.image.preprocessing as ImagePreprocessing;
  const audioPre = spec.audio.preprocessing as AudioPreprocessing;
  const n = pairs.length;
  if (n === 0) throw new Error('no test pairs to evaluate');
  const labels = Uint8Array.from(pairs, (p) => p.label);
  const pixels = pairPixels(pairs, options.mnistDir);
  const waves = pairWaves(clipFiles, pairs, audioPre);
  const featurizer = new AudioFeaturizer(ctx, audioPre);
  try {
    const cleanFeatures = await featurize(ctx, featurizer, waves);
    // `clean` always: the methods' figures and the disagreement table are the clean condition's.
    const conditions: Condition[] = robustnessConditions().filter((c) => !options.conditions || c.id === 'clean' || options.conditions.includes(c.id));
    const probs: Record<string, Record<string, Probs>> = {};
    const attention: FusionReport['attention'] = spec.fusion === 'attention' ? {} : null;
    for (const condition of conditions) {
      const corrupted = condition.image.kind === 'clean' ? pixels : corruptImages(pixels, n, imagePre.height, imagePre.width, condition.image, options.seed);
      const images = corrupted && normalizeImages(corrupted, imagePre);
      let audio: Float32Array | null = cleanFeatures;
      let clips: readonly Float32Array[] | null = waves;
      if (condition.audio.kind !== 'clean') {
        const noisy = corruptClips(waves, condition.audio, options.seed);
        clips = noisy.every((w) => w !== null) ? (noisy as Float32Array[]) : null;
        audio = clips && (await featurize(ctx, featurizer, clips));
      }
      // What the late rules learn of each row from the inputs themselves (reliability.ts).
      const size = imagePre.height * imagePre.width;
      const reliability: RowReliability = {
        imagePresent: corrupted ? Array.from({ length: n }, (_, i) => imageHasInk(corrupted.subarray(i * size, (i + 1) * size))) : undefined,
        audioPresent: clips?.map(clipHasSound),
        audioSnrDb: clips?.map(estimateSnrDb),
      };
      probs[condition.id] = await conditionProbs(ctx, models, images, audio, n, reliability);
      if (attention && models.network) attention[condition.id] = await meanAttention(ctx, models.network.module, fusionInputs(spec), blankFor(spec.image), images, audio, n);
      options.log(`  ${condition.id}: ${Object.keys(probs[condition.id]).length} methods`);
    }
    const clean = probs.clean;
    const methods = Object.fromEntries(Object.entries(clean).map(([m, p]) => [m, methodFigures(p, labels)]));
    const fused = Object.fromEntries(Object.entries(clean).filter(([m]) => m !== 'image' && m !== 'audio'));
    const how = (task: 'image' | 'audio') => (models[task] ? `the run's ${models[task]!.spec.model} model (${task}/)` : `the ${spec.fusion} network with the other sense blank`);
    return {
      format: 'duet-fusion-report/1',
      fusion: spec.fusion,
      seed: options.seed,
      test: { pairs: n, clips: new Set(pairs.map((p) => p.audio)).size, speakers: [...new Set(pairs.map((p) => p.speaker))].sort() },
      unimodal: { image: how('image'), audio: how('audio') },
      lateFit: models.lateFit,
      methods,
      disagreement: disagreementTable(clean.image, clean.audio, labels, fused),
      robustness: robustnessPoints(conditions, probs, labels),
      attention,
    };
  } finally {
    featurizer.dispose();
  }
}
