/**
 * Inference on a bundle: the one path `duet predict` and the page both run, so they cannot
 * drift apart. Inputs: an MNIST-style image (28x28 bytes, @duet/data's mnistStyle) and/or a
 * mono clip at any rate. The clip is resampled on the GPU to the model's rate (@duet/dsp's
 * resample), padded or cut to the model's length, and turned into features by the model's
 * front end (AudioFeaturizer); the image is scaled by the image statistics. Then:
 * - unimodal: that model's probabilities; fused = the same; an ensemble (config.ensemble):
 *   each member on the input through its own preprocessing, their probabilities combined by
 *   the ensemble's rule (@duet/models Ensemble), each member's kept in `members`;
 * - early / intermediate / attention: the fused network on both inputs gives `fused` (and the
 *   attention weights); each sense's own probabilities come from the same network with the
 *   other input blanked (its blank value, as modality dropout trained it);
 * - late: each unimodal model's probabilities, combined by the saved rule (lateFuse).
 * Probabilities are softmax of the logits in float64 on the host.
 */
import { noGrad, Scope, Tensor, type Module } from '@duet/autograd';
import { resample } from '@duet/dsp';
import type { GpuContext } from '@duet/gpu';
import { free, fromData, toData } from '@duet/kernels';
import { buildModel } from '../registry';
import type { AudioPreprocessing, ImagePreprocessing, InputStats } from '../preprocessing';
import { padOrTrimInto } from '../preprocessing';
import { AudioFeaturizer } from '../features';
import { argmax, softmaxRow } from '../fusion/calibration';
import { packPairs } from '../fusion/inputs';
import { lateFuse } from '../fusion/late';
import { clipHasSound, estimateSnrDb, imageHasInk } from '../fusion/reliability';
import { buildFusionFromSpec, fusionInputs } from '../fusion/spec';
import type { FusionNetwork } from '../fusion/networks';
import { Ensemble } from '../ensemble/ensemble';
import { BundleError, memberPrefix, type Bundle } from './format';

/** A mono clip at its own rate. */
export interface Clip {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

export interface PredictInputs {
  /** (H, W) grey bytes, 255 = ink (mnistStyle's pixels), or null when there is no image. */
  readonly image: Uint8Array | null;
  readonly audio: Clip | null;
}

export interface Prediction {
  /** Each sense's probabilities (10), null when that input is missing or the model lacks the sense. */
  readonly image: number[] | null;
  readonly audio: number[] | null;
  readonly fused: number[];
  /** Attention fusion: the weight of each sense on the fused prediction; null otherwise. */
  readonly weights: { readonly image: number; readonly audio: number } | null;
  /** Index of the decided class (argmax of fused). */
  readonly digit: number;
  /** An ensemble bundle: each member's probabilities (10 each), in member order; absent otherwise. */
  readonly members?: readonly number[][];
}

/** The modules of one bundle, on the GPU, ready to predict. */
export class BundlePredictor {
  private readonly modules: { image?: Module; audio?: Module; fused?: FusionNetwork } = {};
  private readonly featurizer: AudioFeaturizer | null;
  private readonly ensemble: Ensemble | null = null;

  constructor(private readonly ctx: GpuContext, readonly bundle: Bundle) {
    const { config, tensors, source } = bundle;
    const load = (module: Module, prefix: string) => {
      const own = new Map(module.namedState().map(([n, t]) => [`${prefix}${n}`, t.shape]));
      const names = [...tensors.keys()].filter((n) => n.startsWith(prefix) || prefix === '');
      const missing = [...own.keys()].filter((n) => !tensors.has(n));
      const unexpected = names.filter((n) => !own.has(n));
      if (missing.length || unexpected.length) {
        throw new BundleError(`${source}: the weights do not fit the ${config.kind} architecture (${missing.length ? `missing ${list(missing)}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${list(unexpected)}` : ''})`);
      }
      for (const [name, shape] of own) {
        const t = tensors.get(name)!;
        if (t.shape.join() !== shape.join()) throw new BundleError(`${source}: tensor '${name}' has shape [${t.shape.join(', ')}], the ${config.kind} architecture needs [${shape.join(', ')}]`);
      }
      module.loadStateDict(new Map([...own.keys()].map((n) => [n.slice(prefix.length), tensors.get(n)!])));
      module.eval();
    };
    try {
      if (config.kind === 'early' || config.kind === 'intermediate' || config.kind === 'attention') {
        this.modules.fused = buildFusionFromSpec(ctx, config.fusion!).module;
        load(this.modules.fused, '');
      } else if (config.ensemble && (config.kind === 'image' || config.kind === 'audio')) {
        const kind = config.kind;
        const members = config.ensemble.members;
        const stray = [...tensors.keys()].filter((n) => !members.some((_, i) => n.startsWith(memberPrefix(kind, i))));
        if (stray.length) throw new BundleError(`${source}: unexpected tensors ${list(stray)} (an ensemble of ${members.length} keeps member N's weights under ${kind}.N.)`);
        this.ensemble = Ensemble.build(ctx, members, (module, i) => load(module, memberPrefix(kind, i)), config.ensemble.rule, (i) => `${source} (ensemble member ${i})`);
      } else {
        const extra = [...tensors.keys()].filter((n) => !n.startsWith('image.') && !n.startsWith('audio.'));
        if (extra.length) throw new BundleError(`${source}: unexpected tensors ${list(extra)} (a ${config.kind} bundle's weights are under image. and audio.)`);
        for (const which of ['image', 'audio'] as const) {
          const spec = config[which];
          if (!spec) continue;
          this.modules[which] = buildModel(ctx, spec).module;
          load(this.modules[which]!, `${which}.`);
        }
      }
    } catch (error) {
      this.disposeModules();
      throw error;
    }
    this.featurizer = config.audio && !this.ensemble ? new AudioFeaturizer(ctx, config.audio.preprocessing as AudioPreprocessing) : null;
  }

  get labels(): readonly string[] {
    return this.bundle.config.labels;
  }

  /** The image input's preprocessing, or null when the model has no image sense. */
  get imagePreprocessing(): ImagePreprocessing | null {
    return (this.bundle.config.image?.preprocessing as ImagePreprocessing | undefined) ?? null;
  }

  get audioPreprocessing(): AudioPreprocessing | null {
    return (this.bundle.config.audio?.preprocessing as AudioPreprocessing | undefined) ?? null;
  }

  async predict(inputs: PredictInputs): Promise<Prediction> {
    const { config } = this.bundle;
    if (!inputs.image && !inputs.audio) throw new Error('predict needs an image, a clip or both');
    if (inputs.image && !config.image) throw new BundleError(`${this.bundle.source}: an audio-only model cannot read an image`);
    if (inputs.audio && !config.audio) throw new BundleError(`${this.bundle.source}: an image-only model cannot hear a clip`);
    if (this.ensemble) return this.predictEnsemble(this.ensemble, inputs);
    const image = inputs.image ? imageInput(inputs.image, this.imagePreprocessing!) : null;
    const audioIn = inputs.audio ? await audioInput(this.ctx, inputs.audio, this.featurizer!) : null;
    const audio = audioIn?.features ?? null;
    if (this.modules.fused) return this.predictFused(this.modules.fused, image, audio);
    const imageProbs = image ? (await this.run(this.modules.image!, image, [1, ...config.image!.inputShape])).probs[0] : null;
    const audioProbs = audio ? (await this.run(this.modules.audio!, audio, [1, ...config.audio!.inputShape])).probs[0] : null;
    const fused = config.kind === 'late'
      ? lateFuse(config.fusion!.late!.method, config.fusion!.late!.fit, imageProbs && [imageProbs], audioProbs && [audioProbs], {
          // A blank page or a silent clip is no evidence: the rule runs as if that sense were absent.
          imagePresent: inputs.image ? [imageHasInk(Float32Array.from(inputs.image, (v) => v / 255))] : undefined,
          audioPresent: audioIn ? [clipHasSound(audioIn.wave)] : undefined,
          audioSnrDb: audioIn ? [estimateSnrDb(audioIn.wave)] : undefined,
        })[0]
      : (imageProbs ?? audioProbs)!;
    return { image: imageProbs, audio: audioProbs, fused, weights: null, digit: argmax(fused) };
  }

  // Each member on the one input through its own preprocessing; their probabilities combined by the rule.
  private async predictEnsemble(ensemble: Ensemble, inputs: PredictInputs): Promise<Prediction> {
    const { ctx } = this;
    const probs = await ensemble.probabilities(async (m) => {
      const x = m.featurizer ? (await audioInput(ctx, inputs.audio!, m.featurizer)).features : imageInput(inputs.image!, m.spec.preprocessing as ImagePreprocessing);
      return this.logits(m.built.module, x, [1, ...m.spec.inputShape]);
    });
    const fused = Array.from(probs.combined);
    const own = ensemble.task === 'audio' ? { image: null, audio: fused } : { image: fused, audio: null };
    return { ...own, fused, weights: null, digit: argmax(fused), members: probs.members.map((p) => Array.from(p)) };
  }

  // x: host values of shape -> logits (shape[0], classes)
  private async logits(module: Module, x: Float32Array, shape: number[]): Promise<Float32Array> {
    const scope = new Scope();
    const out = noGrad(() => scope.run(() => scope.keep(module.forward(Tensor.from(this.ctx, x, shape, false, 'predict.input')))));
    scope.release();
    const logits = await toData(this.ctx, out.data);
    out.free();
    return logits;
  }

  // One batch of packed rows: [both] plus, for a sense to report alone, [it with the other blanked].
  private async predictFused(net: FusionNetwork, image: Float32Array | null, audio: Float32Array | null): Promise<Prediction> {
    const spec = this.bundle.config.fusion!;
    const inputs = fusionInputs(spec);
    const blank = spec.options?.blank ?? { image: 0, audio: 0 };
    const rows: [Float32Array | null, Float32Array | null][] = [[image, audio]];
    if (image && audio) rows.push([image, null], [null, audio]);
    const packed = rows.map(([i, a]) => packPairs(inputs, 1, i, a, blank));
    const x = new Float32Array(packed.reduce((n, p) => n + p.length, 0));
    packed.forEach((p, k) => x.set(p, k * p.length));
    const { probs, weights } = await this.run(net, x, [rows.length, packed[0].length], true);
    const fused = probs[0];
    const [imageProbs, audioProbs] = image && audio ? [probs[1], probs[2]] : image ? [fused, null] : [null, fused];
    const w = weights ? { image: weights[0], audio: weights[1] } : null;
    return { image: imageProbs, audio: audioProbs, fused, weights: w, digit: argmax(fused) };
  }

  // x: host values of shape -> probabilities per row (and the attention weights of row 0)
  private async run(module: Module, x: Float32Array, shape: number[], withWeights = false): Promise<{ probs: number[][]; weights: number[] | null }> {
    const scope = new Scope();
    const out = noGrad(() =>
      scope.run(() => {
        const input = Tensor.from(this.ctx, x, shape, false, 'predict.input');
        if (!withWeights) return { logits: scope.keep(module.forward(input)), weights: null };
        const r = (module as FusionNetwork).forwardWithWeights(input);
        return { logits: scope.keep(r.logits), weights: r.weights ? scope.keep(r.weights) : null };
      }),
    );
    scope.release();
    const logits = await toData(this.ctx, out.logits.data);
    const weights = out.weights ? await toData(this.ctx, out.weights.data) : null;
    out.logits.free();
    out.weights?.free();
    const classes = logits.length / shape[0];
    const probs = Array.from({ length: shape[0] }, (_, b) => softmaxRow(Array.from(logits.subarray(b * classes, (b + 1) * classes))));
    return { probs, weights: weights ? [weights[0], weights[1]] : null };
  }

  private disposeModules(): void {
    for (const m of Object.values(this.modules)) m?.free();
  }

  dispose(): void {
    this.disposeModules();
    this.ensemble?.free();
    this.featurizer?.dispose();
  }
}

// pixels: (H, W) bytes -> (1, H, W) normalised values
function imageInput(pixels: Uint8Array, pre: ImagePreprocessing): Float32Array {
  if (pixels.length !== pre.height * pre.width) throw new Error(`predict: the image must be ${pre.height} x ${pre.width} bytes (mnistStyle), got ${pixels.length}`);
  return normalize(Float32Array.from(pixels, (v) => v / 255), pre.stats);
}

// clip at any rate -> (1, nMels, frames) features, normalised as the model's input, and the padded wave they came from
async function audioInput(ctx: GpuContext, clip: Clip, featurizer: AudioFeaturizer): Promise<{ features: Float32Array; wave: Float32Array }> {
  const { pre } = featurizer;
  if (!(clip.sampleRate > 0) || !Number.isInteger(clip.sampleRate)) throw new Error(`predict: bad sample rate ${clip.sampleRate}`);
  const source = clip.samples.length ? clip.samples : new Float32Array(1);
  const x = fromData(ctx, source, [1, source.length], 'predict.clip');
  const resampled = resample(ctx, x, clip.sampleRate, pre.sampleRate); // (1, samples')
  free(ctx, x);
  const wave = await toData(ctx, resampled);
  free(ctx, resampled);
  const fixed = new Float32Array(pre.samples);
  padOrTrimInto(fixed, 0, wave, pre.samples, pre.padding);
  const clips = fromData(ctx, fixed, [1, pre.samples], 'predict.wave');
  const features = featurizer.forward(clips); // (1, 1, nMels, frames)
  free(ctx, clips);
  const values = await toData(ctx, features);
  free(ctx, features);
  return { features: normalize(values, pre.stats), wave: fixed };
}

/** (x - mean) / std in place, as normalizeInput does at the model's input. */
function normalize(x: Float32Array, stats: InputStats): Float32Array {
  if (stats.mean === 0 && stats.std === 1) return x;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - stats.mean) / stats.std;
  return x;
}

function list(names: string[]): string {
  return names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
}
