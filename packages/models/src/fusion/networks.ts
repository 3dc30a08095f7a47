/**
 * The fused networks, autograd Modules with PyTorch state names, all taking the packed input
 * x: (B, I + A) of inputs.ts and returning logits (B, 10):
 * - `early`: the audio features resized to the image grid (area interpolation, two constant
 *   matmuls), stacked with the image as 2 channels of one CNN (audio-cnn's blocks);
 * - `intermediate`: an image encoder and an audio encoder give feature vectors, concatenated
 *   and classified by an MLP;
 * - `attention`: a learned gate maps the two feature vectors to per-sample modality weights
 *   (softmax over the 2 modalities) that scale each vector before the classifier;
 *   forwardWithWeights returns the weights.
 * Encoders reuse the unimodal models' blocks and names: the image encoder is mnist-cnn's layers
 * 0-9 (`image.0.weight` = mnist-cnn's `0.weight`), the audio encoder is audio-cnn's `features`
 * (`audio.features.0.weight`), so pretrained unimodal weights load by renaming.
 */
import { concat, Conv2d, Dropout, type HostTensor, Flatten, Linear, linear, matmul, MaxPool2d, mean, Module, outsideScope, ReLU, reshape, Sequential, slice, softmax, Tensor, mul, type Rng } from '@duet/autograd';
import type { GpuContext } from '@duet/gpu';
import { AudioCnn, IMAGE_ENCODER_LAYERS, imageEncoder, type BuiltModel } from '../architectures';

export { imageEncoder, IMAGE_ENCODER_LAYERS };
import { ModalityDropout, NO_BLANK, unpack, type Blank, type FusionInputs } from './inputs';

export const FUSION_KINDS = ['early', 'intermediate', 'attention'] as const;
export type FusionKind = (typeof FUSION_KINDS)[number];

export interface FusionOptions {
  /** mnist-cnn's two conv widths and dense width (default [32, 64] and 128). */
  readonly imageChannels?: readonly [number, number];
  readonly imageHidden?: number;
  /** audio-cnn's conv block widths (default [16, 32, 64, 64]). */
  readonly audioChannels?: readonly number[];
  /** Conv block widths of the early model's CNN (default [32, 64, 64]). */
  readonly earlyChannels?: readonly number[];
  /** Hidden width of the classifier MLP (default 128). */
  readonly headHidden?: number;
  /** Dropout before the last layer (default 0.3). */
  readonly dropout?: number;
  /** Probability of blanking one modality per training sample (default 0.2; 0: off). */
  readonly modalityDropout?: number;
  readonly blank?: Blank;
}

/** What every fused network shares: the packed inputs and modality dropout in front. */
export abstract class FusionNetwork extends Module {
  readonly modalityDropout: ModalityDropout;

  constructor(ctx: GpuContext, readonly inputs: FusionInputs, rng: Rng, options: FusionOptions) {
    super(ctx);
    // A child (it holds no state) so train()/eval() reach it.
    this.modalityDropout = this.child('modalityDropout', new ModalityDropout(ctx, inputs, options.modalityDropout ?? 0.2, options.blank ?? NO_BLANK, { rng }));
  }

  // x: (B, I + A) -> (B, 10)
  forward(x: Tensor): Tensor {
    return this.forwardWithWeights(x).logits;
  }

  // x: (B, I + A) -> logits (B, 10), weights (B, 2) (image, audio) for attention, else null
  forwardWithWeights(x: Tensor): { logits: Tensor; weights: Tensor | null } {
    const { image, audio } = unpack(this.modalityDropout.forward(x), this.inputs);
    return this.fuse(image, audio);
  }

  protected abstract fuse(image: Tensor, audio: Tensor): { logits: Tensor; weights: Tensor | null };

  /** Every Dropout the training loop steps (modality dropout first). */
  abstract get dropouts(): Dropout[];
}

// x: (B, C, nMels, frames) -> (B, channels[-1])
/** audio-cnn's conv blocks and its global average pooling (its classifier left out). */
export class AudioEncoder extends Module {
  readonly features: Sequential;
  readonly size: number;

  constructor(ctx: GpuContext, input: readonly number[], rng: Rng, channels: readonly number[] = [16, 32, 64, 64]) {
    super(ctx);
    const cnn = new AudioCnn(ctx, input, rng, { channels, dropout: 0 });
    cnn.classifier.free();
    this.features = this.child('features', cnn.features);
    this.size = channels[channels.length - 1];
  }

  forward(x: Tensor): Tensor {
    const y = this.features.forward(x); // (B, C, H', W')
    return mean(reshape(y, [y.shape[0], y.shape[1], -1]), { axis: 2 }); // (B, C)
  }
}

/** The classifier MLP: Linear, ReLU, Dropout, Linear (names head.0, head.3). */
function head(ctx: GpuContext, features: number, rng: Rng, options: FusionOptions): Sequential {
  const hidden = options.headHidden ?? 128;
  return new Sequential(ctx, new Linear(ctx, features, hidden, { rng }), new ReLU(ctx), new Dropout(ctx, options.dropout ?? 0.3, { rng }), new Linear(ctx, hidden, 10, { rng }));
}

/** An area-interpolation matrix (to, from): row i averages source cells over [i, i+1) * from / to. */
export function areaResizeMatrix(from: number, to: number): Float32Array {
  const m = new Float32Array(to * from);
  const s = from / to;
  for (let i = 0; i < to; i++) {
    const [lo, hi] = [i * s, (i + 1) * s];
    for (let j = Math.floor(lo); j < Math.min(from, Math.ceil(hi)); j++) m[i * from + j] = (Math.min(hi, j + 1) - Math.max(lo, j)) / s;
  }
  return m;
}

export class EarlyFusion extends FusionNetwork {
  readonly cnn: AudioCnn;
  private readonly resizeFrames: Tensor; // (W, frames)
  private readonly resizeMels = new Map<number, Tensor>(); // per batch size: (B, H, nMels)

  constructor(ctx: GpuContext, inputs: FusionInputs, rng: Rng, options: FusionOptions = {}) {
    super(ctx, inputs, rng, options);
    const [ci, h, w] = inputs.image;
    if (ci !== 1 || inputs.audio[0] !== 1) throw new Error(`early fusion stacks one image channel and one audio channel, got image [${inputs.image.join(', ')}] and audio [${inputs.audio.join(', ')}]`);
    this.cnn = this.child('cnn', new AudioCnn(ctx, [2, h, w], rng, { channels: options.earlyChannels ?? [32, 64, 64], dropout: options.dropout ?? 0.3 }));
    this.resizeFrames = outsideScope(() => Tensor.from(ctx, areaResizeMatrix(inputs.audio[2], w), [w, inputs.audio[2]], false, 'early.resizeFrames'));
  }

  get dropouts(): Dropout[] {
    return [this.modalityDropout, this.cnn.dropout];
  }

  // audio: (B, 1, nMels, frames) -> (B, 1, H, W)
  resizeAudio(audio: Tensor): Tensor {
    const [b, , mels, frames] = audio.shape;
    const [, h, w] = this.inputs.image;
    const alongFrames = linear(reshape(audio, [b * mels, frames]), this.resizeFrames); // (B*nMels, W)
    let rows = this.resizeMels.get(b);
    if (!rows) {
      const one = areaResizeMatrix(mels, h);
      const all = new Float32Array(b * one.length);
      for (let k = 0; k < b; k++) all.set(one, k * one.length);
      rows = outsideScope(() => Tensor.from(this.ctx, all, [b, h, mels], false, 'early.resizeMels'));
      this.resizeMels.set(b, rows);
    }
    return reshape(matmul(rows, reshape(alongFrames, [b, mels, w])), [b, 1, h, w]);
  }

  protected fuse(image: Tensor, audio: Tensor): { logits: Tensor; weights: null } {
    return { logits: this.cnn.forward(concat([image, this.resizeAudio(audio)], 1)), weights: null };
  }

  override free(): void {
    super.free();
    this.resizeFrames.free();
    for (const t of this.resizeMels.values()) t.free();
    this.resizeMels.clear();
  }
}

/** The image and audio encoders of intermediate and attention fusion. */
abstract class EncoderFusion extends FusionNetwork {
  readonly image: Sequential;
  readonly audio: AudioEncoder;
  readonly imageSize: number;

  constructor(ctx: GpuContext, inputs: FusionInputs, rng: Rng, options: FusionOptions) {
    super(ctx, inputs, rng, options);
    this.imageSize = options.imageHidden ?? 128;
    this.image = this.child('image', imageEncoder(ctx, inputs.image, rng, options.imageChannels, this.imageSize));
    this.audio = this.child('audio', new AudioEncoder(ctx, inputs.audio, rng, options.audioChannels));
  }

  abstract readonly head: Sequential;

  get dropouts(): Dropout[] {
    const inner = [...this.image.layers, ...this.head.layers].filter((m): m is Dropout => m instanceof Dropout);
    return [this.modalityDropout, ...inner];
  }
}

export class IntermediateFusion extends EncoderFusion {
  readonly head: Sequential;

  constructor(ctx: GpuContext, inputs: FusionInputs, rng: Rng, options: FusionOptions = {}) {
    super(ctx, inputs, rng, options);
    this.head = this.child('head', head(ctx, this.imageSize + this.audio.size, rng, options));
  }

  protected fuse(image: Tensor, audio: Tensor): { logits: Tensor; weights: null } {
    return { logits: this.head.forward(concat([this.image.forward(image), this.audio.forward(audio)], 1)), weights: null };
  }
}

// image: (B, Fi), audio: (B, Fa), gateWeight: (2, Fi + Fa), gateBias: (2) -> features (B, Fi + Fa), weights (B, 2)
/**
 * The attention gate: weights = softmax(gate([image, audio])) over the two modalities, then
 * [weights[:, 0] * image, weights[:, 1] * audio].
 */
export function attentionFuse(image: Tensor, audio: Tensor, gateWeight: Tensor, gateBias: Tensor): { features: Tensor; weights: Tensor } {
  const weights = softmax(linear(concat([image, audio], 1), gateWeight, gateBias)); // (B, 2)
  const features = concat([mul(image, slice(weights, 1, 0, 1)), mul(audio, slice(weights, 1, 1, 2))], 1);
  return { features, weights };
}

export class AttentionFusion extends EncoderFusion {
  readonly gate: Linear;
  readonly head: Sequential;

  constructor(ctx: GpuContext, inputs: FusionInputs, rng: Rng, options: FusionOptions = {}) {
    super(ctx, inputs, rng, options);
    this.gate = this.child('gate', new Linear(ctx, this.imageSize + this.audio.size, 2, { rng }));
    this.head = this.child('head', head(ctx, this.imageSize + this.audio.size, rng, options));
  }

  protected fuse(image: Tensor, audio: Tensor): { logits: Tensor; weights: Tensor } {
    const { features, weights } = attentionFuse(this.image.forward(image), this.audio.forward(audio), this.gate.weight, this.gate.bias!);
    return { logits: this.head.forward(features), weights };
  }
}

/** Builds a fused network; `dropouts` lists every Dropout (modality dropout first) for the training loop. */
export function buildFusion(ctx: GpuContext, kind: FusionKind, inputs: FusionInputs, rng: Rng, options: FusionOptions = {}): BuiltModel & { module: FusionNetwork } {
  const module = kind === 'early' ? new EarlyFusion(ctx, inputs, rng, options) : kind === 'intermediate' ? new IntermediateFusion(ctx, inputs, rng, options) : new AttentionFusion(ctx, inputs, rng, options);
  return { module, dropouts: module.dropouts };
}

/** State-dict names of a pretrained unimodal model mapped into a fused one ('0.weight' -> 'image.0.weight'). */
export function encoderStateNames(kind: 'image' | 'audio', names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of names) {
    const layer = /^(\d+)\./.exec(name);
    if (kind === 'image' && layer && Number(layer[1]) < IMAGE_ENCODER_LAYERS) out.set(name, `image.${name}`);
    if (kind === 'audio' && name.startsWith('features.')) out.set(name, `audio.${name}`);
  }
  return out;
}

/**
 * Copies a pretrained unimodal model's encoder weights (its state dict: mnist-cnn for 'image',
 * audio-cnn for 'audio') into an intermediate or attention network; returns how many tensors
 * were copied. Every tensor of that encoder must be found, with the same shape.
 */
export function loadEncoder(module: FusionNetwork, kind: 'image' | 'audio', state: ReadonlyMap<string, HostTensor>): number {
  if (!(module instanceof EncoderFusion)) throw new Error('only intermediate and attention fusion have encoders to load');
  const mapped = new Map([...encoderStateNames(kind, [...state.keys()])].map(([from, to]) => [to, state.get(from)!]));
  const missing = module.namedState().map(([n]) => n).filter((n) => n.startsWith(`${kind}.`) && !mapped.has(n));
  if (missing.length) throw new Error(`the pretrained ${kind} model lacks ${missing.join(', ')}: was it trained with the same architecture (${kind === 'image' ? 'mnist-cnn' : 'audio-cnn'})?`);
  module.loadStateDict(mapped, false);
  return mapped.size;
}
