/**
 * Host-side inputs and probabilities for late fusion's fit and the fusion report: the pairs'
 * MNIST pixels in [0, 1] and padded waveforms (what the corruptions of @duet/models/robustness
 * take), their model inputs (normalised images, clip features computed on the GPU and read
 * back), and each model's probabilities (N, 10) through the engine's evaluateLogits.
 */
import { join } from 'node:path';
import type { GpuContext } from '@duet/gpu';
import { loadMnist, type Pair } from '@duet/data/node';
import { free, fromData, toData } from '@duet/kernels';
import { noGrad, Scope, Tensor } from '@duet/autograd';
import {
  AudioFeaturizer, corruptClips, estimateSnrDb, fitAudioGate, fitLateFusion, gateValue, packPairs, softmaxRow, temperRows,
  type AudioCorruption, type AudioPreprocessing, type Blank, type BuiltModel, type FusionInputs, type FusionNetwork, type ImagePreprocessing, type LateFusionFit, type ModelSpec,
} from '@duet/models';
import { evaluateLogits } from '../train/engine';
import { loadClips } from '../train/datasets';
import { HostDataset } from './paired';
import { splitClips, type FusionRunConfig } from './run';

const IDENTITY = { mean: 0, std: 1 };
const BATCH = 64;

/** The pairs' images as (N, H*W) values in [0, 1]. */
export function pairPixels(pairs: readonly Pair[], mnistDir?: string): Float32Array {
  const parts = { train: loadMnist('train', mnistDir), test: loadMnist('test', mnistDir) };
  const size = parts.test.rows * parts.test.cols;
  const out = new Float32Array(pairs.length * size);
  pairs.forEach((p, i) => {
    const src = parts[p.mnistPart].images.subarray(p.mnistIndex * size, (p.mnistIndex + 1) * size);
    for (let k = 0; k < size; k++) out[i * size + k] = src[k] / 255;
  });
  return out;
}

/** Absolute file of each clip path of the run's split (OUT/train.csv and OUT/test.csv). */
export function runClipFiles(run: FusionRunConfig, out: string): Map<string, string> {
  return new Map([...splitClips(join(out, 'train.csv'), run.audioDir), ...splitClips(join(out, 'test.csv'), run.audioDir)].map((c) => [c.path, c.file]));
}

/** The pairs' clips decoded and padded/cut to the model's length, one row per pair. */
export function pairWaves(files: ReadonlyMap<string, string>, pairs: readonly Pair[], pre: AudioPreprocessing): Float32Array[] {
  const items = pairs.map((p) => {
    const file = files.get(p.audio);
    if (!file) throw new Error(`pair clip ${p.audio} is not in the split`);
    return { file, digit: p.label };
  });
  const flat = loadClips(items, Uint32Array.from(items, (_, i) => i), pre);
  return items.map((_, i) => flat.subarray(i * pre.samples, (i + 1) * pre.samples));
}

// pixels: (N, H*W) in [0, 1] -> (N, H*W) normalised
export function normalizeImages(pixels: Float32Array, pre: ImagePreprocessing): Float32Array {
  return pixels.map((p) => (p - pre.stats.mean) / pre.stats.std);
}

// waves: N rows of samples -> (N, C*nMels*frames), normalised with the spec's statistics
export async function featurize(ctx: GpuContext, featurizer: AudioFeaturizer, waves: readonly Float32Array[]): Promise<Float32Array> {
  const { pre } = featurizer;
  const size = featurizer.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(waves.length * size);
  for (let start = 0; start < waves.length; start += BATCH) {
    const rows = waves.slice(start, start + BATCH);
    const flat = new Float32Array(rows.length * pre.samples);
    rows.forEach((w, i) => flat.set(w, i * pre.samples));
    const clips = fromData(ctx, flat, [rows.length, pre.samples], 'eval.clips');
    const features = featurizer.forward(clips);
    out.set(await toData(ctx, features), start * size);
    free(ctx, clips);
    free(ctx, features);
  }
  return pre.stats.mean === 0 && pre.stats.std === 1 ? out : out.map((v) => (v - pre.stats.mean) / pre.stats.std);
}

/** softmax of each model output row: (N, 10) probabilities, float64. */
export async function probabilities(ctx: GpuContext, built: BuiltModel, values: Float32Array, shape: readonly number[], count: number): Promise<number[][]> {
  const labels = new Uint8Array(count);
  const logits = await evaluateLogits(ctx, built, IDENTITY, new HostDataset(ctx, values, shape, labels), BATCH, 10);
  return Array.from({ length: count }, (_, i) => softmaxRow(Array.from(logits.subarray(i * 10, (i + 1) * 10))));
}

/** A fused network's probabilities on packed pairs; a null modality is blank. */
export function networkProbs(ctx: GpuContext, built: BuiltModel, inputs: FusionInputs, blank: Blank, images: Float32Array | null, audio: Float32Array | null, count: number): Promise<number[][]> {
  const packed = packPairs(inputs, count, images, audio, blank);
  return probabilities(ctx, built, packed, [packed.length / count], count);
}

/** Noise the audio gate is fitted on: white noise and babble over the report's range, plus clean. */
export const GATE_FIT_NOISE: readonly AudioCorruption[] = [
  { kind: 'clean' },
  ...[20, 10, 5, 0, -5, -10].map((snrDb): AudioCorruption => ({ kind: 'white', snrDb })),
  ...[10, 0].map((snrDb): AudioCorruption => ({ kind: 'babble', snrDb })),
];

/** unimodalProbs' rows: clean pairs, and the audio under GATE_FIT_NOISE with each clip's estimated SNR. */
export interface UnimodalRows {
  readonly labels: number[];
  readonly image: number[][];
  readonly audio: number[][];
  readonly audioSnrDb: number[];
  /** The clips under GATE_FIT_NOISE, with the (clean) image of each row's pair. */
  readonly noisy: { readonly audio: number[][]; readonly image: number[][]; readonly snrDb: number[]; readonly labels: number[] };
}

/** Rows of several unimodalProbs calls, one after the other. */
export function concatRows(parts: readonly UnimodalRows[]): UnimodalRows {
  const all = <T>(pick: (r: UnimodalRows) => T[]) => parts.flatMap(pick);
  return {
    labels: all((r) => r.labels),
    image: all((r) => r.image),
    audio: all((r) => r.audio),
    audioSnrDb: all((r) => r.audioSnrDb),
    noisy: { audio: all((r) => r.noisy.audio), image: all((r) => r.noisy.image), snrDb: all((r) => r.noisy.snrDb), labels: all((r) => r.noisy.labels) },
  };
}

/**
 * The two unimodal models' probabilities on clean pairs (late fusion's validation fit), and the
 * audio model's on the same clips under each GATE_FIT_NOISE corruption with each clip's
 * estimated SNR (the audio gate's fit): rows of corruption k are rows k*N .. (k+1)*N - 1.
 */
export async function unimodalProbs(
  ctx: GpuContext,
  run: FusionRunConfig,
  out: string,
  pairs: readonly Pair[],
  image: { spec: ModelSpec; built: BuiltModel },
  audio: { spec: ModelSpec; built: BuiltModel },
  files: ReadonlyMap<string, string> = runClipFiles(run, out),
): Promise<UnimodalRows> {
  const imagePre = image.spec.preprocessing as ImagePreprocessing;
  const audioPre = audio.spec.preprocessing as AudioPreprocessing;
  const featurizer = new AudioFeaturizer(ctx, audioPre);
  try {
    const images = normalizeImages(pairPixels(pairs, run.mnistDir), imagePre);
    const waves = pairWaves(files, pairs, audioPre);
    const features = await featurize(ctx, featurizer, waves);
    const imageProbs = await probabilities(ctx, image.built, images, image.spec.inputShape, pairs.length);
    const noisy = { audio: [] as number[][], image: [] as number[][], snrDb: [] as number[], labels: [] as number[] };
    for (const corruption of GATE_FIT_NOISE) {
      const clips = corruptClips(waves, corruption, run.seed) as Float32Array[];
      noisy.audio.push(...(await probabilities(ctx, audio.built, await featurize(ctx, featurizer, clips), audio.spec.inputShape, pairs.length)));
      noisy.snrDb.push(...clips.map(estimateSnrDb));
      noisy.labels.push(...pairs.map((p) => p.label));
      noisy.image.push(...imageProbs);
    }
    return {
      labels: pairs.map((p) => p.label),
      image: imageProbs,
      audio: await probabilities(ctx, audio.built, features, audio.spec.inputShape, pairs.length),
      audioSnrDb: waves.map(estimateSnrDb),
      noisy,
    };
  } finally {
    featurizer.dispose();
  }
}

/**
 * Late fusion's fit from unimodalProbs: the audio gate on the clips with noise added, then the
 * rules (temperatures, weight, combiner) on the clean pairs with the audio as the rules will
 * see it, tempered by its gate.
 */
export function fitLateOnPairs(probs: UnimodalRows, seed: number): LateFusionFit {
  const audioGate = fitAudioGate(probs.noisy.audio, probs.noisy.snrDb, probs.noisy.labels, probs.noisy.image);
  const gatedAudio = temperRows(probs.audio, probs.audioSnrDb.map((s) => gateValue(audioGate, s)));
  return fitLateFusion(probs.image, gatedAudio, probs.labels, { seed, audioGate });
}

/**
 * The attention network's mean modality weights (image, audio) over packed pairs: which sense
 * the model trusted on average. Eval mode, no gradient, one read per batch.
 */
export async function meanAttention(ctx: GpuContext, network: FusionNetwork, inputs: FusionInputs, blank: Blank, images: Float32Array | null, audio: Float32Array | null, count: number): Promise<{ image: number; audio: number }> {
  const packed = packPairs(inputs, count, images, audio, blank);
  const row = packed.length / count;
  network.eval();
  let [sumImage, sumAudio] = [0, 0];
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const scope = new Scope();
    const weights = noGrad(() =>
      scope.run(() => {
        const x = new Tensor(ctx, fromData(ctx, packed.subarray(start * row, (start + n) * row), [n, row], 'attention.batch'));
        return network.forwardWithWeights(x).weights!; // (n, 2)
      }),
    );
    const values = await weights.toArray();
    scope.release();
    for (let b = 0; b < n; b++) [sumImage, sumAudio] = [sumImage + values[2 * b], sumAudio + values[2 * b + 1]];
  }
  return { image: sumImage / count, audio: sumAudio / count };
}
