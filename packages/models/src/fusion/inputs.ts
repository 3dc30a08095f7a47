/**
 * The fused models' input: one packed row per pair, the image's values then the audio
 * features' values, x: (B, I + A) with I = prod(image shape), A = prod(audio shape). Packing
 * lets a fusion model be an ordinary Module (forward(x) -> logits), so the unimodal training
 * loop, its feature store and its batching drive it unchanged. A missing modality is its
 * `blank` value everywhere (the normalised value of an empty input, see ModalityDropout).
 */
import { add, concat, Dropout, mul, reshape, slice, Tensor, type Rng } from '@duet/autograd';
import { mixSeed, mulberry32 } from '@duet/data';
import { sizeOf, type GpuContext } from '@duet/gpu';

export interface FusionInputs {
  /** (C, H, W) of one image, e.g. [1, 28, 28]. */
  readonly image: readonly number[];
  /** (C, nMels, frames) of one clip's features, e.g. [1, 40, 101]. */
  readonly audio: readonly number[];
}

/** The value a missing modality holds at the model's input (after normalisation). */
export interface Blank {
  /** An all-black image normalised: (0 - mean) / std (0 without normalisation). */
  readonly image: number;
  /** A per-utterance-normalised clip's features have mean 0: 0 stands for "no information". */
  readonly audio: number;
}

export const NO_BLANK: Blank = { image: 0, audio: 0 };

/** Values per packed row. */
export function packedSize(inputs: FusionInputs): number {
  return sizeOf(inputs.image) + sizeOf(inputs.audio);
}

// image: (B, I) or null, audio: (B, A) or null -> (B, I + A)
/** Packs host rows; a null modality is filled with its blank value. */
export function packPairs(inputs: FusionInputs, batch: number, image: Float32Array | null, audio: Float32Array | null, blank: Blank = NO_BLANK): Float32Array {
  const [i, a] = [sizeOf(inputs.image), sizeOf(inputs.audio)];
  if (image && image.length !== batch * i) throw new Error(`packPairs: ${image.length} image values for ${batch} images of ${i}`);
  if (audio && audio.length !== batch * a) throw new Error(`packPairs: ${audio.length} audio values for ${batch} clips of ${a}`);
  const out = new Float32Array(batch * (i + a));
  for (let b = 0; b < batch; b++) {
    const row = b * (i + a);
    if (image) out.set(image.subarray(b * i, (b + 1) * i), row);
    else out.fill(blank.image, row, row + i);
    if (audio) out.set(audio.subarray(b * a, (b + 1) * a), row + i);
    else out.fill(blank.audio, row + i, row + i + a);
  }
  return out;
}

// image: (B, ...image), audio: (B, ...audio) -> (B, I + A)
/** Packs two GPU batches (one concat). */
export function packTensors(image: Tensor, audio: Tensor): Tensor {
  return concat([reshape(image, [image.shape[0], -1]), reshape(audio, [audio.shape[0], -1])], 1);
}

// x: (B, I + A) -> image (B, ...image), audio (B, ...audio)
export function unpack(x: Tensor, inputs: FusionInputs): { image: Tensor; audio: Tensor } {
  const [b, d] = x.shape;
  const i = sizeOf(inputs.image);
  if (x.shape.length !== 2 || d !== packedSize(inputs)) throw new Error(`fusion input: expected (B, ${packedSize(inputs)}), got [${x.shape.join(', ')}]`);
  return { image: reshape(slice(x, 1, 0, i), [b, ...inputs.image]), audio: reshape(slice(x, 1, i, d), [b, ...inputs.audio]) };
}

/** Which modality each sample of a batch loses: 0 none, 1 image, 2 audio. */
export function modalityDrops(seed: number, calls: number, batch: number, p: number): Uint8Array {
  const random = mulberry32(mixSeed(seed, calls));
  const out = new Uint8Array(batch);
  for (let b = 0; b < batch; b++) {
    const u = random();
    const which = random();
    if (u < p) out[b] = which < 0.5 ? 1 : 2;
  }
  return out;
}

// x: (B, I + A) -> (B, I + A); identity in eval mode
/**
 * Modality dropout: in training, each sample independently loses one of its two inputs with
 * probability p (image or audio, equally likely; never both), the lost part set to its blank
 * value, so a fused model learns to answer from either sense alone. The draws come from
 * (seed, calls) on the host (B bytes), applied as x * keep + fill with (B, 1) tensors per
 * part. It extends Dropout so the training loop sets `calls` per step like any dropout.
 */
export class ModalityDropout extends Dropout {
  constructor(ctx: GpuContext, readonly inputs: FusionInputs, p: number, readonly blank: Blank = NO_BLANK, options: { rng?: Rng } = {}) {
    super(ctx, p, options);
  }

  /** The last training call's draws (for tests and logging). */
  lastDrops: Uint8Array = new Uint8Array(0);

  override forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const [batch, d] = x.shape;
    const i = sizeOf(this.inputs.image);
    const drops = modalityDrops(this.seed, this.calls++, batch, this.p);
    this.lastDrops = drops;
    const part = (lost: 1 | 2, start: number, end: number, fill: number) => {
      const keep = Float32Array.from(drops, (k) => (k === lost ? 0 : 1));
      const mask = Tensor.from(this.ctx, keep, [batch, 1], false, 'modalityDropout.keep');
      const offset = Tensor.from(this.ctx, keep.map((k) => (1 - k) * fill), [batch, 1], false, 'modalityDropout.fill');
      return scaleShift(slice(x, 1, start, end), mask, offset);
    };
    return concat([part(1, 0, i, this.blank.image), part(2, i, d, this.blank.audio)], 1);
  }
}

/** x * mask + offset with (B, 1) mask and offset broadcast over the row. */
function scaleShift(x: Tensor, mask: Tensor, offset: Tensor): Tensor {
  return add(mul(x, mask), offset);
}
