/**
 * The networks, built from @duet/autograd layers with PyTorch's state-dict names, so weights
 * move to and from PyTorch with the same module definitions. Every builder draws its initial
 * weights from the Rng it is given (the run's seed).
 */
import type { GpuContext } from '@duet/gpu';
import {
  BatchNorm2d, Conv2d, Dropout, Flatten, GRU, Linear, MaxPool2d, Module, ReLU, Sequential, matmul, mean, reshape, Tensor, type Rng,
} from '@duet/autograd';

/** A model and the Dropout layers in it (the training loop sets their RNG counters per step). */
export interface BuiltModel {
  readonly module: Module;
  readonly dropouts: readonly Dropout[];
}

/** Output size of a convolution or pooling along one axis. */
export function convOut(size: number, kernel: number, stride = 1, padding = 0): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

// x: (B, 1, H, W) -> (B, 10)
/**
 * The lab's network, exactly: nn.Sequential(Conv2d(1, 10, 7, stride=3), ReLU(),
 * Conv2d(10, 10, 5, stride=2), ReLU(), Flatten(), Linear(·, 10)); the Linear's input size
 * comes from the feature shape ((1, 128, 241) at the lab's settings: 10 x 19 x 38 = 7220).
 */
export function labCnn(ctx: GpuContext, input: readonly number[], rng: Rng, classes = 10): BuiltModel {
  const [, h, w] = input;
  const h2 = convOut(convOut(h, 7, 3), 5, 2);
  const w2 = convOut(convOut(w, 7, 3), 5, 2);
  if (h2 < 1 || w2 < 1) throw new Error(`lab-cnn: features of ${h} x ${w} are too small for its two strided convolutions`);
  const module = new Sequential(
    ctx,
    new Conv2d(ctx, 1, 10, 7, { stride: 3, rng }),
    new ReLU(ctx),
    new Conv2d(ctx, 10, 10, 5, { stride: 2, rng }),
    new ReLU(ctx),
    new Flatten(ctx),
    new Linear(ctx, 10 * h2 * w2, classes, { rng }),
  );
  return { module, dropouts: [] };
}

export interface AudioCnnOptions {
  /** Channels of each conv block (3x3, padding 1, BatchNorm, ReLU, then 2x2 max pooling but for the last). */
  readonly channels: readonly number[];
  readonly dropout: number;
}

// x: (B, 1, nMels, frames) -> (B, classes)
/**
 * Duet's model for new voices: conv blocks with batch norm (conv bias off, as BN makes it
 * redundant), max pooling, global average pooling over time and frequency (so the clip's
 * length and a shifted onset matter little), dropout, one Linear. State names:
 * features.{4k}.weight (conv), features.{4k+1}.* (bn), classifier.weight/bias.
 */
export class AudioCnn extends Module {
  readonly features: Sequential;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(ctx: GpuContext, input: readonly number[], rng: Rng, options: AudioCnnOptions, classes = 10) {
    super(ctx);
    const layers: Module[] = [];
    let [c, h, w] = input;
    options.channels.forEach((out, i) => {
      layers.push(new Conv2d(ctx, c, out, 3, { padding: 1, bias: false, rng }), new BatchNorm2d(ctx, out), new ReLU(ctx));
      c = out;
      if (i < options.channels.length - 1 && h >= 2 && w >= 2) {
        layers.push(new MaxPool2d(ctx, 2));
        [h, w] = [convOut(h, 2, 2), convOut(w, 2, 2)];
      }
    });
    this.features = this.child('features', new Sequential(ctx, ...layers));
    this.dropout = this.child('dropout', new Dropout(ctx, options.dropout, { rng }));
    this.classifier = this.child('classifier', new Linear(ctx, c, classes, { rng }));
  }

  forward(x: Tensor): Tensor {
    const y = this.features.forward(x); // (B, C, H', W')
    const [b, c] = y.shape;
    const pooled = mean(reshape(y, [b, c, -1]), { axis: 2 }); // (B, C)
    return this.classifier.forward(this.dropout.forward(pooled));
  }
}

// x: (B, 1, 28, 28) -> (B, hidden)
/**
 * mnist-cnn's layers up to its hidden ReLU and dropout (indices 0 to IMAGE_ENCODER_LAYERS - 1,
 * the same names): two blocks of conv3x3 (padding 1, no bias: batch norm follows), BatchNorm,
 * ReLU, 2x2 max pooling; dropout 0.25, flatten, dense `hidden`, ReLU, dropout 0.5.
 * Pooling after the first block makes the second conv work on 14x14 (a quarter of the
 * multiply-adds of PyTorch's examples/mnist net), and batch norm lets it train in a few epochs.
 */
export function imageEncoder(ctx: GpuContext, input: readonly number[], rng: Rng, channels: readonly [number, number] = [32, 64], hidden = 128): Sequential {
  const [c, h, w] = input;
  const pooled = (size: number) => convOut(convOut(size, 2, 2), 2, 2);
  const flat = channels[1] * pooled(h) * pooled(w);
  return new Sequential(
    ctx,
    new Conv2d(ctx, c, channels[0], 3, { padding: 1, bias: false, rng }),
    new BatchNorm2d(ctx, channels[0]),
    new ReLU(ctx),
    new MaxPool2d(ctx, 2),
    new Conv2d(ctx, channels[0], channels[1], 3, { padding: 1, bias: false, rng }),
    new BatchNorm2d(ctx, channels[1]),
    new ReLU(ctx),
    new MaxPool2d(ctx, 2),
    new Dropout(ctx, 0.25, { rng }),
    new Flatten(ctx),
    new Linear(ctx, flat, hidden, { rng }),
    new ReLU(ctx),
    new Dropout(ctx, 0.5, { rng }),
  );
}

/** Layers of imageEncoder: mnist-cnn's state names below this index belong to the encoder. */
export const IMAGE_ENCODER_LAYERS = 13;

// x: (B, 1, 28, 28) -> (B, 10)
/**
 * Duet's MNIST CNN: the image encoder of the fused networks (two conv3x3 + batch norm + max
 * pooling blocks of 32 and 64 channels, dropout 0.25, dense 128, dropout 0.5; see
 * fusion/networks.ts imageEncoder) and a dense 10. About 8.5 M multiply-adds per image, a third
 * of PyTorch's examples/mnist net, and more accurate with batch norm.
 */
export function mnistCnn(ctx: GpuContext, input: readonly number[], rng: Rng, classes = 10): BuiltModel {
  const encoder = imageEncoder(ctx, input, rng);
  const module = new Sequential(ctx, ...encoder.layers, new Linear(ctx, 128, classes, { rng }));
  const dropouts = encoder.layers.filter((m): m is Dropout => m instanceof Dropout);
  return { module, dropouts };
}

export interface AudioGruOptions {
  readonly hiddenSize: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
}

// x: (B, 1, nMels, frames) -> (B, classes)
/**
 * The recurrent option the lab names: a GRU (torch.nn.GRU, batch_first, optionally
 * bidirectional) reads the mel frames in time order, its outputs are averaged over time,
 * then dropout and one Linear. State names: gru.weight_ih_l0 … (PyTorch's), classifier.*.
 */
export class AudioGru extends Module {
  readonly gru: GRU;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(ctx: GpuContext, input: readonly number[], rng: Rng, options: AudioGruOptions, classes = 10) {
    super(ctx);
    const [, mels] = input;
    this.gru = this.child('gru', new GRU(ctx, mels, options.hiddenSize, { bidirectional: options.bidirectional, rng }));
    this.dropout = this.child('dropout', new Dropout(ctx, options.dropout, { rng }));
    this.classifier = this.child('classifier', new Linear(ctx, options.hiddenSize * (options.bidirectional ? 2 : 1), classes, { rng }));
  }

  forward(x: Tensor): Tensor {
    const [b, , mels, frames] = x.shape;
    // (B, nMels, T)^T @ I -> (B, T, nMels): the batched matmul transposes (no transpose kernel).
    const eye = new Float32Array(b * mels * mels);
    for (let i = 0; i < b; i++) for (let j = 0; j < mels; j++) eye[i * mels * mels + j * mels + j] = 1;
    const sequence = matmul(reshape(x, [b, mels, frames]), Tensor.from(this.ctx, eye, [b, mels, mels]), { transposeA: true }); // (B, T, nMels)
    const pooled = mean(this.gru.forward(sequence), { axis: 1 }); // (B, D*H)
    return this.classifier.forward(this.dropout.forward(pooled));
  }
}
