/**
 * @duet/data/node: everything in `@duet/data` plus the parts that touch the file system or the
 * network (corpus folders, MNIST files, split CSV files, streaming loaders, downloads).
 */
import { readFile } from 'node:fs/promises';

export * from './index';

/** The `read` for wavBatches in Node: a file's bytes. */
export const readFileBytes = (file: string): Promise<Uint8Array> => readFile(file);
export { findMnistFiles, loadMnist, mnistPackageDir, readMaybeGzip, type Mnist, type MnistFiles, type MnistSplit } from './mnist';
export {
  cacheDataDir,
  findAudioCorpus,
  locateCorpus,
  resolveAudioDir,
  scanCorpus,
  type Corpus,
  type CorpusEntry,
  type CorpusKind,
  type CorpusLocation,
  type FoundCorpus,
} from './corpus';
export { readSplitCsv, writeSplit, writeSplitCsv, type ResolvedSplitRow } from './split_files';
export {
  FSDD_ARCHIVE_SHA256,
  FSDD_COMMIT,
  FSDD_RECORDINGS_SHA256,
  FSDD_URL,
  fetchFsdd,
  recordingsDigest,
  type FetchFsddOptions,
  type FetchFsddResult,
} from './fetch';
// PNG/JPEG decoding needs node:zlib (pngjs): Node only; `duet predict` reads a user's image with it.
export { decodeImage, ImageError, MAX_IMAGE_PIXELS, type DecodedImage } from './image';
