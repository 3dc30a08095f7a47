/**
 * The audio front end of a model on the GPU: clips (B, samples) -> features (B, 1, nMels,
 * frames), as the model's preprocessing says (MelSpectrogram, AmplitudeToDB, per-utterance
 * normalisation). The dataset statistics are applied at the model's input (normalizeInput),
 * so features can be computed once and reused whatever the statistics turn out to be.
 */
import type { GpuContext } from '@duet/gpu';
import { mean, noGrad, reshape, scale, Scope, sqrt, square, sub, div, add, Tensor } from '@duet/autograd';
import { MelSpectrogram } from '@duet/dsp';
import { bandNormalize, free, reshape as reshapeArray, type GpuArray } from '@duet/kernels';
import { inputShape, type AudioPreprocessing, type InputStats } from './preprocessing';

/** Added to the variance before the square root in per-utterance normalisation (silent clips). */
const UTTERANCE_EPS = 1e-5;

export class AudioFeaturizer {
  /** One example's features: (1, nMels, frames). */
  readonly shape: readonly [number, number, number];
  private readonly mel: MelSpectrogram;

  constructor(private readonly ctx: GpuContext, readonly pre: AudioPreprocessing) {
    this.mel = new MelSpectrogram(ctx, pre.mel);
    this.shape = inputShape(pre);
  }

  /** torchaudio's warning when a mel filter is empty (the lab's 128 mels over n_fft 400's 201 bins have one). */
  get warning(): string | null {
    return this.mel.warning;
  }

  // clips: (B, samples) -> (B, 1, nMels, frames); the caller frees the result
  forward(clips: GpuArray): GpuArray {
    if (clips.shape.length !== 2 || clips.shape[1] !== this.pre.samples) {
      throw new Error(`AudioFeaturizer: clips must be (B, ${this.pre.samples}), got [${clips.shape.join(', ')}]`);
    }
    const batch = clips.shape[0];
    const features = this.mel.forward(clips, this.pre.db ?? false); // (B, nMels, frames)
    const out = this.pre.normalization === 'utterance' ? normalizeRows(this.ctx, features) : this.pre.normalization === 'band' ? normalizedBands(this.ctx, features) : features;
    return reshapeArray(out, [batch, ...this.shape]);
  }

  dispose(): void {
    this.mel.dispose();
  }
}

// x: (B, ...) -> (B, ...) with each example scaled to mean 0, std 1 (population std); frees x
function normalizeRows(ctx: GpuContext, x: GpuArray): GpuArray {
  const scope = new Scope();
  const out = noGrad(() =>
    scope.run(() => {
      const rows = reshape(new Tensor(ctx, x), [x.shape[0], -1]); // (B, F)
      const centred = sub(rows, mean(rows, { axis: 1, keepdim: true }));
      const std = sqrt(add(mean(square(centred), { axis: 1, keepdim: true }), UTTERANCE_EPS)); // (B, 1)
      return scope.keep(div(centred, std));
    }),
  );
  scope.release();
  return reshapeArray(out.data, x.shape);
}

// x: (B, F, T) -> (B, F, T) per-band normalised; frees x
function normalizedBands(ctx: GpuContext, x: GpuArray): GpuArray {
  const out = bandNormalize(ctx, x);
  free(ctx, x);
  return out;
}

// x: (B, C, H, W) -> (B, C, H, W): (x - mean) / std, the identity for (0, 1)
/** The dataset statistics applied at the model's input. */
export function normalizeInput(x: Tensor, stats: InputStats): Tensor {
  if (stats.mean === 0 && stats.std === 1) return x;
  return scale(x, 1 / stats.std, -stats.mean / stats.std);
}
