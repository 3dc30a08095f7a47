/**
 * Seeded epoch batching and a streaming WAV batch loader. Pure: the loader takes a `read`
 * function, so it runs on `fs` in Node (see `readFileBytes` in @duet/data/node) and on `fetch`
 * in a browser. Only the batch being consumed and the one being prefetched are ever decoded.
 */
import { DataError, WavError } from './errors';
import { permutation } from './random';
import { decodeWav } from './wav';

export interface EpochOptions {
  batchSize: number;
  /** The run's seed: with `epoch` it fixes the order (see random.ts). */
  seed: number;
  epoch: number;
  /** false keeps the items in order (evaluation). Default true. */
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (keeps batch-norm statistics and shapes fixed). */
  dropLast?: boolean;
}

/** How many batches an epoch of `n` items has. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * The index batches of one epoch: permutation(n, seed, epoch) cut into batchSize pieces.
 * Yields (batchSize,) index arrays; the last one is shorter unless dropLast.
 */
export function* epochBatches(n: number, options: EpochOptions): Generator<Uint32Array> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DataError(`batch size must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(options.epoch) || options.epoch < 0) throw new DataError(`epoch must be a non-negative integer, got ${options.epoch}`);
  const order = options.shuffle === false ? Uint32Array.from({ length: n }, (_, i) => i) : permutation(n, options.seed, options.epoch);
  const count = batchCount(n, batchSize, options.dropLast);
  for (let b = 0; b < count; b++) yield order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
}

export interface WavItem {
  /** What `read` is given: a path in Node, a URL in a browser. */
  file: string;
  digit: number;
}

export interface WavBatchOptions extends EpochOptions {
  read: (file: string) => Promise<Uint8Array>;
  /** Pad with zeros or cut every recording to this many samples, giving one (B, length) array. */
  length?: number;
  /** Refuse recordings at another rate instead of silently mixing rates. */
  sampleRate?: number;
}

export interface WavBatch {
  /** (B,) positions in the item list. */
  indices: Uint32Array;
  /** (B,) labels. */
  digits: Uint8Array;
  /** B decoded mono recordings, each at its own length. */
  waves: Float32Array[];
  /** (B, length) zero-padded/cut recordings, when `length` was given. */
  padded?: Float32Array;
  sampleRate: number;
}

async function loadBatch(items: readonly WavItem[], indices: Uint32Array, options: WavBatchOptions): Promise<WavBatch> {
  const waves = await Promise.all(
    Array.from(indices, async (i) => {
      const wav = decodeWav(await options.read(items[i].file), items[i].file);
      if (options.sampleRate !== undefined && wav.sampleRate !== options.sampleRate) {
        throw new WavError(items[i].file, `sample rate ${wav.sampleRate} Hz, expected ${options.sampleRate} Hz`);
      }
      return wav;
    }),
  );
  const rates = new Set(waves.map((w) => w.sampleRate));
  if (rates.size > 1) throw new DataError(`one batch mixes sample rates ${[...rates].join(', ')} Hz; resample the corpus or pass sampleRate`);
  const batch: WavBatch = {
    indices,
    digits: Uint8Array.from(indices, (i) => items[i].digit),
    waves: waves.map((w) => w.samples),
    sampleRate: waves[0]?.sampleRate ?? options.sampleRate ?? 0,
  };
  if (options.length !== undefined) {
    const length = options.length;
    const padded = new Float32Array(indices.length * length); // (B, length)
    batch.waves.forEach((w, b) => padded.set(w.subarray(0, length), b * length));
    batch.padded = padded;
  }
  return batch;
}

/**
 * Streams one epoch of decoded recordings in seeded batches, prefetching one batch ahead so
 * reading and decoding overlap the consumer's work. Memory holds at most two batches.
 */
export async function* wavBatches(items: readonly WavItem[], options: WavBatchOptions): AsyncGenerator<WavBatch> {
  const batches = epochBatches(items.length, options);
  let next = batches.next();
  let pending = next.done ? undefined : loadBatch(items, next.value, options);
  while (pending) {
    const current = pending;
    next = batches.next();
    pending = next.done ? undefined : loadBatch(items, next.value, options);
    // A failed prefetch must not surface as an unhandled rejection if the consumer stops early.
    pending?.catch(() => undefined);
    yield await current;
  }
}
