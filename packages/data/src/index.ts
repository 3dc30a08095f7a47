/**
 * @duet/data, browser-safe part: parsers and pure helpers with no `node:` imports.
 * File system code (corpus folders, MNIST files, CSV files, downloads) is in `@duet/data/node`.
 */
export { DataError, IdxError, WavError } from './errors';
export { decodeWav, encodeWav, type DecodedWav, type WavEncoding, type WavFormat } from './wav';
export { parseIdx, parseIdxImages, parseIdxLabels, type IdxArray, type IdxImages } from './idx';
export { parseRecordingName, type RecordingName } from './names';
export { checkSeed, mixSeed, mulberry32, permutation, shuffleInPlace } from './random';
export {
  analyzeSplit,
  leaveOneSpeakerOut,
  officialSplit,
  OFFICIAL_TEST_REPETITIONS,
  randomSplit,
  speakerSplit,
  speakersOf,
  type LabelStats,
  type SetStats,
  type Split,
  type SplitAnalysis,
  type SplitItem,
  type SplitStrategy,
} from './split';
export { escapesBase, formatSplitCsv, isAbsolutePath, parseSplitCsv, type SplitRow } from './split_csv';
export { checkValue, escapeControl, formatProblem, jsonDepth, parseJson, SchemaError, showValue, type ObjectSchema, type ParseOptions, type Schema } from './schema';
export { batchCount, epochBatches, wavBatches, type EpochOptions, type WavBatch, type WavBatchOptions, type WavItem } from './batching';
export { readTar, type TarEntry, type TarEntryType } from './tar';
export { centreOfMass, MNIST_BOX, MNIST_SIZE, mnistStyle, type MnistStyle, type MnistStyleOptions, type RgbaImage } from './mnist_style';
export { formatPairingCsv, formatPairingJson, pairDigits, parsePairingCsv, parsePairingJson, reservedMnistValidation, type MnistPart, type Pair, type PairClip, type Pairing, type PairingOptions, type PairSplit } from './pairing';
