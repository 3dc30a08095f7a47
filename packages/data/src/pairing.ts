/**
 * Pairs of a spoken digit and a written one: every clip of an audio split is paired with MNIST
 * images of the same digit. Pure and seeded: the same (clips, MNIST labels, options) give the
 * same pairs in Node and in browsers.
 *
 * Rules (no test data may reach training):
 * - `train` pairs: the audio split's training clips (less the validation clips) with images from
 *   MNIST train, `pairsPerClip` distinct images per clip;
 * - `validation` pairs: held-out training clips (by clip or by speaker) with MNIST train images
 *   from a pool reserved for them (`mnistValidation`, never in a train pair), one per clip. They
 *   fit late-fusion weights and temperatures on data no model was trained on, provided the image
 *   model is also trained without `mnistValidation`;
 * - `test` pairs: the audio split's test clips with MNIST test images, `testPairsPerClip` each.
 * Images are drawn per digit from a seeded shuffle of that digit's images, going round it, so
 * the images used are spread over the whole pool and the K images of one clip are distinct.
 */
import { DataError } from './errors';
import { checkSeed, mixSeed, mulberry32, shuffleInPlace } from './random';

export type PairSplit = 'train' | 'validation' | 'test';
export type MnistPart = 'train' | 'test';

/** The fields pairing needs from a recording (a corpus entry or a split CSV row). */
export interface PairClip {
  readonly path: string;
  readonly digit: number;
  readonly speaker?: string;
}

/** One row of a pairing: what the CSV and JSON files hold. */
export interface Pair {
  readonly split: PairSplit;
  /** The clip's path as the split names it. */
  readonly audio: string;
  /** '' when the clip's name carries no speaker. */
  readonly speaker: string;
  readonly label: number;
  readonly mnistPart: MnistPart;
  /** Index of the image in that MNIST part (0-based, as in the IDX file). */
  readonly mnistIndex: number;
}

export interface PairingOptions {
  /** Distinct MNIST images per training clip (K, default 1): more of MNIST seen per epoch. */
  readonly pairsPerClip?: number;
  /** Distinct MNIST test images per test clip (default 1). */
  readonly testPairsPerClip?: number;
  /** Share of training clips (or speakers) held out as validation (default 0.1; 0: none). */
  readonly validationFraction?: number;
  /** 'clip': clips held out per digit; 'speaker': whole speakers (like a speaker-held-out test). */
  readonly validationBy?: 'clip' | 'speaker';
  readonly seed?: number;
}

export interface Pairing {
  readonly seed: number;
  readonly pairsPerClip: number;
  readonly testPairsPerClip: number;
  readonly validationFraction: number;
  readonly validationBy: 'clip' | 'speaker';
  /** MNIST train indices reserved for validation pairs (ascending): keep them out of image training. */
  readonly mnistValidation: readonly number[];
  /** Train, then validation, then test pairs; clips in path order, a clip's K pairs together. */
  readonly pairs: readonly Pair[];
}

// Random streams, one per use, so changing one option does not reshuffle the others.
const STREAM_VALIDATION_CLIPS = 0x7a000000;
const STREAM_MNIST_TRAIN = 0x7a100000;
const STREAM_MNIST_TEST = 0x7a200000;

/** Pairs every clip of an audio split with MNIST images of its digit (see the module doc). */
export function pairDigits(
  audio: { readonly train: readonly PairClip[]; readonly test: readonly PairClip[] },
  mnistLabels: { readonly train: ArrayLike<number>; readonly test: ArrayLike<number> },
  options: PairingOptions = {},
): Pairing {
  const seed = checkSeed(options.seed ?? 0);
  const pairsPerClip = count(options.pairsPerClip ?? 1, 'pairs per clip');
  const testPairsPerClip = count(options.testPairsPerClip ?? 1, 'test pairs per clip');
  const validationFraction = options.validationFraction ?? 0.1;
  const validationBy = options.validationBy ?? 'clip';
  if (!(validationFraction >= 0 && validationFraction < 1)) throw new DataError(`validation fraction must be in [0, 1), got ${validationFraction}`);

  const trainClips = sortedClips(audio.train, 'training');
  const testClips = sortedClips(audio.test, 'test');
  const held = validationClips(trainClips, validationFraction, validationBy, seed);
  const fitClips = trainClips.filter((c) => !held.has(c));
  const valClips = trainClips.filter((c) => held.has(c));

  const trainPools = digitPools(mnistLabels.train, seed, STREAM_MNIST_TRAIN);
  const testPools = digitPools(mnistLabels.test, seed, STREAM_MNIST_TEST);
  // Per digit, the first part of the shuffled MNIST-train pool is reserved for validation:
  // the validation fraction of it, and at least one image per validation clip.
  const mnistValidation: number[] = [];
  const valPools = trainPools.map((pool, digit) => {
    const clips = valClips.filter((c) => c.digit === digit).length;
    const size = clips === 0 ? 0 : Math.max(clips, Math.ceil(pool.length * validationFraction));
    if (size > 0 && size >= pool.length) throw new DataError(`MNIST train has ${pool.length} images of ${digit}: too few to reserve ${size} for validation and keep some for training`);
    mnistValidation.push(...pool.slice(0, size));
    return pool.slice(0, size);
  });
  const fitPools = trainPools.map((pool, digit) => pool.slice(valPools[digit].length));

  const pairs = [
    ...draw(fitClips, fitPools, pairsPerClip, 'train', 'train'),
    ...draw(valClips, valPools, 1, 'validation', 'train'),
    ...draw(testClips, testPools, testPairsPerClip, 'test', 'test'),
  ];
  mnistValidation.sort((a, b) => a - b);
  return { seed, pairsPerClip, testPairsPerClip, validationFraction, validationBy, mnistValidation, pairs };
}

function count(k: number, what: string): number {
  if (!Number.isInteger(k) || k < 1) throw new DataError(`${what} must be a positive integer, got ${k}`);
  return k;
}

/** Clips in path order (so the pairing does not depend on the order the split lists them in). */
function sortedClips(clips: readonly PairClip[], what: string): PairClip[] {
  const seen = new Set<string>();
  for (const c of clips) {
    if (!Number.isInteger(c.digit) || c.digit < 0 || c.digit > 9) throw new DataError(`${what} clip ${c.path} has label ${c.digit}: labels are digits 0-9`);
    if (seen.has(c.path)) throw new DataError(`${what} clip ${c.path} is listed twice`);
    seen.add(c.path);
  }
  return [...clips].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The training clips held out for validation: round(fraction * n) per digit, or whole speakers. */
function validationClips(clips: readonly PairClip[], fraction: number, by: 'clip' | 'speaker', seed: number): Set<PairClip> {
  const held = new Set<PairClip>();
  if (fraction === 0) return held;
  if (by === 'speaker') {
    const speakers = [...new Set(clips.map((c) => c.speaker ?? ''))].sort();
    if (speakers.length < 2) throw new DataError(`validation by speaker needs at least 2 training speakers, found ${speakers.length}`);
    shuffleInPlace(speakers, mulberry32(mixSeed(seed, STREAM_VALIDATION_CLIPS)));
    const chosen = new Set(speakers.slice(0, Math.min(speakers.length - 1, Math.max(1, Math.round(speakers.length * fraction)))));
    for (const c of clips) if (chosen.has(c.speaker ?? '')) held.add(c);
    return held;
  }
  for (let digit = 0; digit <= 9; digit++) {
    const own = clips.filter((c) => c.digit === digit);
    shuffleInPlace(own, mulberry32(mixSeed(seed, STREAM_VALIDATION_CLIPS + 1 + digit)));
    for (const c of own.slice(0, Math.round(own.length * fraction))) held.add(c);
  }
  return held;
}

/** Per digit 0-9, the indices of the MNIST images with that label in a seeded order. */
function digitPools(labels: ArrayLike<number>, seed: number, stream: number): number[][] {
  const pools: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(label >= 0 && label <= 9 && Number.isInteger(label))) throw new DataError(`MNIST label ${label} at index ${i} is not a digit 0-9`);
    pools[label].push(i);
  }
  pools.forEach((pool, digit) => shuffleInPlace(pool, mulberry32(mixSeed(seed, stream + digit))));
  return pools;
}

/**
 * The MNIST train indices (ascending) that pairDigits with this seed and validation fraction
 * reserves for validation pairs: per digit, the first `fraction` of its seeded pool (pairDigits
 * takes more only when a digit has more validation clips than that, which FSDD never has). An
 * image model trained without them (`duet train image --hold-out`) has never seen the images late
 * fusion is fitted on, so the fit does not trust the image more than it deserves.
 */
export function reservedMnistValidation(trainLabels: ArrayLike<number>, seed: number, fraction: number): number[] {
  if (!(fraction > 0 && fraction < 1)) throw new DataError(`hold-out fraction must be in (0, 1), got ${fraction}`);
  return digitPools(trainLabels, checkSeed(seed), STREAM_MNIST_TRAIN)
    .flatMap((pool) => pool.slice(0, Math.ceil(pool.length * fraction)))
    .sort((a, b) => a - b);
}

/** k images per clip, taken in turn from the clip's digit pool (going round it). */
function draw(clips: readonly PairClip[], pools: readonly number[][], k: number, split: PairSplit, mnistPart: MnistPart): Pair[] {
  const cursor = new Array<number>(10).fill(0);
  const pairs: Pair[] = [];
  for (const clip of clips) {
    const pool = pools[clip.digit];
    if (pool.length < k) throw new DataError(`MNIST ${mnistPart} has ${pool.length} usable images of ${clip.digit}: too few for ${k} distinct images per ${split} clip`);
    for (let j = 0; j < k; j++) {
      pairs.push({ split, audio: clip.path, speaker: clip.speaker ?? '', label: clip.digit, mnistPart, mnistIndex: pool[cursor[clip.digit]] });
      cursor[clip.digit] = (cursor[clip.digit] + 1) % pool.length;
    }
  }
  return pairs;
}

const CSV_HEADER = 'split,audio,speaker,label,mnist_part,mnist_index';

/** The pairs as CSV with a header line (opens in a spreadsheet). Fields with , " or newlines are quoted. */
export function formatPairingCsv(pairs: readonly Pair[]): string {
  const field = (s: string) => (/[,"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [CSV_HEADER, ...pairs.map((p) => [p.split, field(p.audio), field(p.speaker), p.label, p.mnistPart, p.mnistIndex].join(','))].join('\n') + '\n';
}

/** Parses formatPairingCsv's output, checking every field. Errors read `<fileName>:<line>: <problem>`. */
export function parsePairingCsv(text: string, fileName: string): Pair[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ''), fileName);
  if (records.length === 0 || records[0].fields.join(',') !== CSV_HEADER) throw new DataError(`${fileName}:1: expected the header "${CSV_HEADER}"`);
  return records.slice(1).map(({ fields, line }) => {
    if (fields.length !== 6) throw new DataError(`${fileName}:${line}: expected 6 fields, found ${fields.length}`);
    const [split, audio, speaker, label, mnistPart, mnistIndex] = fields;
    return checkPair({ split, audio, speaker, label: Number(label), mnistPart, mnistIndex: Number(mnistIndex) }, `${fileName}:${line}`);
  });
}

/** The pairing as one JSON document (options, reserved MNIST indices, pairs). */
export function formatPairingJson(pairing: Pairing): string {
  return `${JSON.stringify({ format: 'duet-pairing', version: 1, ...pairing }, null, 1)}\n`;
}

export function parsePairingJson(text: string, fileName: string): Pairing {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new DataError(`${fileName}: not JSON (${(e as Error).message})`);
  }
  if (doc?.format !== 'duet-pairing' || doc.version !== 1) throw new DataError(`${fileName}: not a duet pairing (format "duet-pairing", version 1)`);
  const { seed, pairsPerClip, testPairsPerClip, validationFraction, validationBy, mnistValidation, pairs } = doc;
  const ints = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
  if (!Number.isInteger(seed) || !Number.isInteger(pairsPerClip) || !Number.isInteger(testPairsPerClip) || typeof validationFraction !== 'number'
    || (validationBy !== 'clip' && validationBy !== 'speaker') || !ints(mnistValidation) || !Array.isArray(pairs)) {
    throw new DataError(`${fileName}: a field of the pairing is missing or has the wrong type`);
  }
  return {
    seed: seed as number,
    pairsPerClip: pairsPerClip as number,
    testPairsPerClip: testPairsPerClip as number,
    validationFraction,
    validationBy,
    mnistValidation: mnistValidation as number[],
    pairs: (pairs as Record<string, unknown>[]).map((p, i) => checkPair(p ?? {}, `${fileName}: pair ${i}`)),
  };
}

function checkPair(p: Record<string, unknown>, where: string): Pair {
  const { split, audio, speaker, label, mnistPart, mnistIndex } = p;
  if (split !== 'train' && split !== 'validation' && split !== 'test') throw new DataError(`${where}: split ${JSON.stringify(split)} is not train, validation or test`);
  if (typeof audio !== 'string' || audio === '') throw new DataError(`${where}: the audio path is empty`);
  if (typeof speaker !== 'string') throw new DataError(`${where}: the speaker is not a string`);
  if (!Number.isInteger(label) || (label as number) < 0 || (label as number) > 9) throw new DataError(`${where}: label ${String(label)} is not a digit 0-9`);
  if (mnistPart !== 'train' && mnistPart !== 'test') throw new DataError(`${where}: mnist part ${JSON.stringify(mnistPart)} is not train or test`);
  if ((split === 'test') !== (mnistPart === 'test')) throw new DataError(`${where}: a ${split} pair must use MNIST ${split === 'test' ? 'test' : 'train'}`);
  if (!Number.isInteger(mnistIndex) || (mnistIndex as number) < 0) throw new DataError(`${where}: mnist index ${String(mnistIndex)} is not a non-negative integer`);
  return { split, audio, speaker, label: label as number, mnistPart, mnistIndex: mnistIndex as number };
}

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines. */
function csvRecords(text: string, fileName: string): { fields: string[]; line: number }[] {
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    records.push({ fields, line: start });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === '') {
      const close = () => {
        for (let j = i + 1; j < text.length; j++) {
          if (text[j] === '\n') line++;
          if (text[j] === '"') {
            if (text[j + 1] === '"') j++;
            else return j;
          }
        }
        throw new DataError(`${fileName}:${start}: unterminated quoted field`);
      };
      const end = close();
      field = text.slice(i + 1, end).replace(/""/g, '"');
      i = end + 1;
      if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') throw new DataError(`${fileName}:${line}: text after a closing quote`);
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n') {
      endRecord();
      line++;
      start = line;
    } else if (c !== '\r' || text[i + 1] !== '\n') {
      field += c;
    }
    i++;
  }
  if (field !== '' || fields.length) endRecord();
  return records;
}
