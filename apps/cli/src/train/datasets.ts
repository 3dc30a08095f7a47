/**
 * What the training loop draws batches from. Audio: recordings decoded once, padded/cut, and
 * their features computed on the GPU and kept there in chunk buffers (lavapipe binds at most
 * 128 MB per storage buffer), a batch assembled by one buffer copy per example, no dispatch;
 * when augmentation changes the waveform every epoch the padded waveforms are kept instead and
 * featurised per batch; when the corpus exceeds the memory budget every batch is decoded and
 * featurised from disk (streaming). Images: host pixels, augmented on the host, uploaded per batch.
 */
import { readFileSync } from 'node:fs';
import type { GpuContext } from '@duet/gpu';
import { decodeWav, DataError } from '@duet/data/node';
import { empty, free, fromData, reduce, reshape, type GpuArray } from '@duet/kernels';
import { AudioFeaturizer, normalizePixels, padOrTrimInto, type AudioPreprocessing, type ImagePreprocessing } from '@duet/models';
import { augmentImages, type AffineOptions } from './image_augment';

export interface Dataset {
  readonly size: number;
  /** (N,) class of each example. */
  readonly labels: Uint8Array;
  /** 'resident' (features or waves on the GPU), 'streaming' (from disk per batch) or 'host'. */
  readonly mode: string;
  /**
   * Inputs of the examples `indices`: (B, C, H, W), recorded, not submitted. `augmentStep`
   * (training only; null for none) keys the random augmentation. The caller frees the result.
   */
  batch(indices: Uint32Array, augmentStep: number | null): GpuArray;
  free(): void;
}

/** Flat GPU storage for `count` examples of a fixed size, over as many buffers as needed. */
export class ChunkedStore {
  private readonly chunks: GpuArray[] = [];
  readonly perChunk: number;
  readonly exampleSize: number;

  constructor(private readonly ctx: GpuContext, readonly count: number, readonly exampleShape: readonly number[], chunkBytes: number, label: string) {
    this.exampleSize = exampleShape.reduce((a, b) => a * b, 1);
    this.perChunk = Math.max(1, Math.floor(chunkBytes / (4 * this.exampleSize)));
    for (let start = 0; start < count; start += this.perChunk) {
      this.chunks.push(empty(ctx, [Math.min(this.perChunk, count - start) * this.exampleSize], `${label}.chunk${this.chunks.length}`));
    }
  }

  /** Copies example `row` of src (R, ...) into slot `index`. */
  put(index: number, src: GpuArray, row: number): void {
    const bytes = 4 * this.exampleSize;
    this.ctx.copy(src.buffer, this.chunks[Math.floor(index / this.perChunk)].buffer, bytes, row * bytes, (index % this.perChunk) * bytes);
  }

  // -> (B, ...exampleShape), one copy per example
  gather(indices: Uint32Array): GpuArray {
    const out = empty(this.ctx, [indices.length, ...this.exampleShape], 'batch');
    const bytes = 4 * this.exampleSize;
    indices.forEach((index, b) => {
      this.ctx.copy(this.chunks[Math.floor(index / this.perChunk)].buffer, out.buffer, bytes, (index % this.perChunk) * bytes, b * bytes);
    });
    return out;
  }

  free(): void {
    for (const c of this.chunks.splice(0)) free(this.ctx, c);
  }
}

export interface AudioItem {
  /** Absolute path of the recording. */
  readonly file: string;
  readonly digit: number;
}

/** Decodes recordings and zero-pads/cuts them into (B, samples) rows, refusing other sample rates. */
export function loadClips(items: readonly AudioItem[], indices: ArrayLike<number>, pre: AudioPreprocessing): Float32Array {
  const out = new Float32Array(indices.length * pre.samples);
  for (let b = 0; b < indices.length; b++) {
    const { file } = items[indices[b]];
    const wav = decodeWav(readFileSync(file), file);
    if (wav.sampleRate !== pre.sampleRate) {
      throw new DataError(`${file}: sample rate ${wav.sampleRate} Hz; this model's preprocessing takes ${pre.sampleRate} Hz recordings`);
    }
    padOrTrimInto(out, b, wav.samples, pre.samples, pre.padding);
  }
  return out;
}

/** Augments a batch of padded waveforms (B, samples) on the GPU; returns a new array. */
export type WaveAugmenter = (waves: GpuArray, step: number) => GpuArray;
/** Augments a batch of features (B, 1, F, T) on the GPU (masks); returns a new array. */
export type FeatureAugmenter = (features: GpuArray, step: number) => GpuArray;

export interface AudioDatasetOptions {
  /** GPU bytes this set may keep resident; beyond it, batches stream from disk. */
  readonly budgetBytes: number;
  /** Bytes per chunk buffer (below the adapter's maxStorageBufferBindingSize). */
  readonly chunkBytes: number;
  /** Training-time waveform augmentation (features are then computed per batch). */
  readonly augment?: WaveAugmenter;
  /** Training-time feature augmentation, after the features (resident or not). */
  readonly maskFeatures?: FeatureAugmenter;
  /** Clips decoded and featurised per submit while filling the store. */
  readonly group?: number;
  /** Sum of every feature value (for the dataset mean), computed while filling. */
  readonly wantSum?: boolean;
  /** Called after each group while filling (progress). */
  readonly onProgress?: (done: number, total: number) => void;
}

export class AudioDataset implements Dataset {
  readonly labels: Uint8Array;
  readonly mode: 'resident' | 'streaming';
  /** Sum of all feature values (float64 over float32 row sums), when wantSum. */
  featureSum: number | null = null;
  private store: ChunkedStore | null = null;
  /** What the store holds: features (no augmentation) or padded waveforms. */
  private readonly holds: 'features' | 'waves';

  private constructor(private readonly ctx: GpuContext, readonly items: readonly AudioItem[], private readonly featurizer: AudioFeaturizer, private readonly options: AudioDatasetOptions) {
    this.labels = Uint8Array.from(items, (it) => it.digit);
    this.holds = options.augment ? 'waves' : 'features';
    const exampleFloats = this.holds === 'waves' ? featurizer.pre.samples : featurizer.shape.reduce((a, b) => a * b, 1);
    this.mode = items.length * exampleFloats * 4 <= options.budgetBytes ? 'resident' : 'streaming';
  }

  get size(): number {
    return this.items.length;
  }

  /** Builds the set: fills the GPU store when resident, and sums the features when asked. */
  static async create(ctx: GpuContext, items: readonly AudioItem[], featurizer: AudioFeaturizer, options: AudioDatasetOptions): Promise<AudioDataset> {
    const set = new AudioDataset(ctx, items, featurizer, options);
    await set.fill();
    return set;
  }

  private async fill(): Promise<void> {
    const { pre } = this.featurizer;
    const resident = this.mode === 'resident';
    if (!resident && !this.options.wantSum) return;
    const n = this.items.length;
    const group = this.options.group ?? 64;
    const groups = Math.ceil(n / group);
    if (resident) {
      const shape = this.holds === 'waves' ? [pre.samples] : this.featurizer.shape;
      this.store = new ChunkedStore(this.ctx, n, shape, this.options.chunkBytes, this.holds);
    }
    // Row sums (one per example and mel band, a few hundred terms each) summed on the host in
    // float64: one float32 sum over millions of dB values drifts by whole percent.
    const rows = this.featurizer.shape[0] * this.featurizer.shape[1];
    const sums = this.options.wantSum ? empty(this.ctx, [n * rows], 'feature.sums') : null;
    for (let g = 0; g < groups; g++) {
      const indices = Array.from({ length: Math.min(group, n - g * group) }, (_, i) => g * group + i);
      const waves = fromData(this.ctx, loadClips(this.items, indices, pre), [indices.length, pre.samples], 'clips');
      const features = this.holds === 'features' || sums ? this.featurizer.forward(waves) : null;
      const kept = this.holds === 'waves' ? waves : features!;
      if (this.store) indices.forEach((index, row) => this.store!.put(index, kept, row));
      if (sums && features) {
        const rowSums = reduce(this.ctx, 'sum', reshape(features, [indices.length * rows, this.featurizer.shape[2]]), { axis: 1 });
        this.ctx.copy(rowSums.buffer, sums.buffer, 4 * indices.length * rows, 0, 4 * indices[0] * rows);
        free(this.ctx, rowSums);
      }
      free(this.ctx, waves);
      if (features) free(this.ctx, features);
      // One submit per group keeps the recorded work (and its temporaries) bounded.
      this.ctx.flush();
      if (g % 8 === 7) await this.ctx.sync();
      this.options.onProgress?.(indices[indices.length - 1] + 1, n);
    }
    if (sums) {
      const values = await this.ctx.readFloat32(sums.buffer, n * rows);
      this.featureSum = values.reduce((a, b) => a + b, 0);
      free(this.ctx, sums);
    }
  }

  batch(indices: Uint32Array, augmentStep: number | null): GpuArray {
    const features = this.features(indices, augmentStep);
    if (augmentStep === null || !this.options.maskFeatures) return features;
    const masked = this.options.maskFeatures(features, augmentStep);
    free(this.ctx, features);
    return masked;
  }

  private features(indices: Uint32Array, augmentStep: number | null): GpuArray {
    const { pre } = this.featurizer;
    let waves: GpuArray;
    if (this.store && this.holds === 'features') return this.store.gather(indices);
    if (this.store) waves = this.store.gather(indices);
    else waves = fromData(this.ctx, loadClips(this.items, indices, pre), [indices.length, pre.samples], 'clips');
    if (augmentStep !== null && this.options.augment) {
      const augmented = this.options.augment(waves, augmentStep);
      free(this.ctx, waves);
      waves = augmented;
    }
    const features = this.featurizer.forward(waves);
    free(this.ctx, waves);
    return features;
  }

  free(): void {
    this.store?.free();
  }
}

/**
 * MNIST-style images as model input: (B, 1, H, W), pixels / 255 then (x - mean) / std with
 * `pre.stats`. The fused networks take these rows as they are; the unimodal training loop
 * normalises every batch itself with the model's statistics (normalizeInput, as for audio
 * features), so it gives this class `pixelScale(pre)`: identity statistics, /255 only.
 */
export class ImageDataset implements Dataset {
  readonly mode = 'host';
  private readonly pixelsPerImage: number;

  constructor(
    private readonly ctx: GpuContext,
    /** (N, H, W) 0..255 */
    private readonly pixels: Uint8Array,
    readonly labels: Uint8Array,
    private readonly pre: ImagePreprocessing,
    private readonly augment: { seed: number; options: AffineOptions } | null,
  ) {
    this.pixelsPerImage = pre.height * pre.width;
  }

  get size(): number {
    return this.labels.length;
  }

  batch(indices: Uint32Array, augmentStep: number | null): GpuArray {
    const { height, width } = this.pre;
    let batch: Uint8Array = new Uint8Array(indices.length * this.pixelsPerImage);
    indices.forEach((index, b) => batch.set(this.pixels.subarray(index * this.pixelsPerImage, (index + 1) * this.pixelsPerImage), b * this.pixelsPerImage));
    if (augmentStep !== null && this.augment) batch = augmentImages(batch, indices.length, height, width, this.augment.seed, augmentStep, this.augment.options);
    return fromData(this.ctx, normalizePixels(batch, this.pre.stats), [indices.length, 1, height, width], 'images');
  }

  free(): void {}
}

/** `pre` with identity statistics: an ImageDataset of it yields pixels / 255 only. */
export function pixelScale(pre: ImagePreprocessing): ImagePreprocessing {
  return { ...pre, stats: { mean: 0, std: 1 } };
}
