/**
 * Paired datasets for the fused networks: each example is one pair (a spoken clip and an MNIST
 * image of the same digit, from @duet/data's pairDigits), given to the model as one packed row
 * (B, I + A) = the normalised image then the audio features (packages/models fusion/inputs.ts).
 * The two halves come from the unimodal training's own datasets (ImageDataset with its host
 * augmentation, AudioDataset with its GPU feature store and wave augmentation), so the engine in
 * ../train drives a fused model exactly as a unimodal one.
 */
import type { GpuContext } from '@duet/gpu';
import type { Pair } from '@duet/data';
import { empty, free, fromData, type GpuArray } from '@duet/kernels';
import type { Dataset } from '../train/datasets';

/** A dataset restricted to (and reordered by) `rows` of a base dataset, with its own labels. */
export class SubsetDataset implements Dataset {
  readonly labels: Uint8Array;

  constructor(private readonly base: Dataset, private readonly rows: Uint32Array, labels?: Uint8Array) {
    this.labels = labels ?? Uint8Array.from(rows, (r) => base.labels[r]);
  }

  get size(): number {
    return this.rows.length;
  }

  get mode(): string {
    return this.base.mode;
  }

  batch(indices: Uint32Array, augmentStep: number | null): GpuArray {
    return this.base.batch(Uint32Array.from(indices, (i) => this.rows[i]), augmentStep);
  }

  free(): void {}
}

/** Rows already on the host (N, ...shape): the evaluation's corrupted inputs. */
export class HostDataset implements Dataset {
  readonly mode = 'host';
  private readonly rowSize: number;

  constructor(private readonly ctx: GpuContext, private readonly values: Float32Array, private readonly shape: readonly number[], readonly labels: Uint8Array) {
    this.rowSize = shape.reduce((a, b) => a * b, 1);
    if (values.length !== labels.length * this.rowSize) throw new Error(`HostDataset: ${values.length} values for ${labels.length} rows of ${this.rowSize}`);
  }

  get size(): number {
    return this.labels.length;
  }

  batch(indices: Uint32Array): GpuArray {
    const out = new Float32Array(indices.length * this.rowSize);
    indices.forEach((index, b) => out.set(this.values.subarray(index * this.rowSize, (index + 1) * this.rowSize), b * this.rowSize));
    return fromData(this.ctx, out, [indices.length, ...this.shape], 'host.batch');
  }

  free(): void {}
}

/**
 * Pairs as packed rows: pair k takes image row imageRow[k] of `images` and clip row audioRow[k]
 * of `audio`; both halves see the same augmentation step.
 */
export class PairedDataset implements Dataset {
  readonly labels: Uint8Array;
  readonly mode: string;

  constructor(
    private readonly ctx: GpuContext,
    private readonly images: Dataset,
    private readonly audio: Dataset,
    private readonly imageRow: Uint32Array,
    private readonly audioRow: Uint32Array,
    labels: Uint8Array,
    /** Values per image and per clip's features. */
    private readonly sizes: { image: number; audio: number },
  ) {
    if (imageRow.length !== labels.length || audioRow.length !== labels.length) throw new Error('PairedDataset: one image row and one clip row per pair');
    this.labels = labels;
    this.mode = `images ${images.mode}, audio ${audio.mode}`;
  }

  get size(): number {
    return this.labels.length;
  }

  // -> (B, I + A)
  batch(indices: Uint32Array, augmentStep: number | null): GpuArray {
    const image = this.images.batch(Uint32Array.from(indices, (i) => this.imageRow[i]), augmentStep); // (B, 1, H, W)
    const audio = this.audio.batch(Uint32Array.from(indices, (i) => this.audioRow[i]), augmentStep); // (B, 1, nMels, frames)
    const { image: i, audio: a } = this.sizes;
    const out = empty(this.ctx, [indices.length, i + a], 'pairs.batch');
    // Two buffer copies per row: no dispatch, recorded with the rest of the step.
    for (let b = 0; b < indices.length; b++) {
      this.ctx.copy(image.buffer, out.buffer, 4 * i, 4 * b * i, 4 * b * (i + a));
      this.ctx.copy(audio.buffer, out.buffer, 4 * a, 4 * b * a, 4 * (b * (i + a) + i));
    }
    free(this.ctx, image);
    free(this.ctx, audio);
    return out;
  }

  free(): void {}
}

/** Row indices of pairs into an image set (by MNIST index) and a clip set (by path). */
export function pairRows(pairs: readonly Pair[], clipIndex: ReadonlyMap<string, number>): { imageRow: Uint32Array; audioRow: Uint32Array; labels: Uint8Array } {
  return {
    imageRow: Uint32Array.from(pairs, (p) => p.mnistIndex),
    audioRow: Uint32Array.from(pairs, (p) => {
      const row = clipIndex.get(p.audio);
      if (row === undefined) throw new Error(`pair clip ${p.audio} is not in the clip set`);
      return row;
    }),
    labels: Uint8Array.from(pairs, (p) => p.label),
  };
}
