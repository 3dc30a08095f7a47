/**
 * Train/test splits of a spoken-digit corpus and their analysis. Pure: works on corpus entries
 * (path, digit, speaker, index), never on the file system.
 *
 * Strategies:
 * - `random`: the lab's split, a seeded shuffle then the first round(N * testFraction) items are
 *   the test set (the lab used 25 %). Speakers appear on both sides, so its accuracy measures
 *   recognition of voices already heard in training.
 * - `official`: FSDD's own split, repetitions 0-4 of every speaker and digit are the test set,
 *   5-49 training (applied the same way to AudioMNIST, which also has 50 repetitions).
 * - `speaker`: whole speakers held out; `leaveOneSpeakerOut` gives one fold per speaker.
 */
import { DataError } from './errors';
import { checkSeed, mixSeed, mulberry32, shuffleInPlace } from './random';

/** The fields a split needs from a recording. */
export interface SplitItem {
  path: string;
  digit: number;
  speaker: string;
  index: number;
}

export interface Split<T> {
  train: T[];
  test: T[];
}

export type SplitStrategy = 'random' | 'official' | 'speaker';

/** Repetitions below this are FSDD's official test set. */
export const OFFICIAL_TEST_REPETITIONS = 5;

/**
 * The random stream of the split shuffle. Epoch e of the batcher uses stream e, so a run that
 * reuses its split seed for training does not replay the split's permutation as epoch 0's order.
 */
const SPLIT_STREAM = 0xffffffff;

/** The lab's split: a seeded shuffle, then the first round(N * testFraction) items are the test set. */
export function randomSplit<T>(items: readonly T[], testFraction = 0.25, seed = 42): Split<T> {
  if (!(testFraction > 0 && testFraction < 1)) throw new DataError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  const shuffled = shuffleInPlace([...items], mulberry32(mixSeed(checkSeed(seed), SPLIT_STREAM))) as T[];
  const testCount = Math.round(items.length * testFraction);
  return { test: shuffled.slice(0, testCount), train: shuffled.slice(testCount) };
}

/** FSDD's official split: repetitions 0-4 test, the rest training. */
export function officialSplit<T extends SplitItem>(items: readonly T[]): Split<T> {
  return {
    train: items.filter((e) => e.index >= OFFICIAL_TEST_REPETITIONS),
    test: items.filter((e) => e.index < OFFICIAL_TEST_REPETITIONS),
  };
}

/** Holds out the named speakers as the test set. Unknown names are an error listing the known ones. */
export function speakerSplit<T extends SplitItem>(items: readonly T[], testSpeakers: readonly string[]): Split<T> {
  if (!testSpeakers.length) throw new DataError('the speaker strategy needs at least one test speaker (--test-speakers a,b)');
  const known = speakersOf(items);
  const unknown = testSpeakers.filter((s) => !known.includes(s));
  if (unknown.length) throw new DataError(`unknown speaker${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the corpus has ${known.join(', ')}`);
  const held = new Set(testSpeakers);
  if (held.size === known.length) throw new DataError('every speaker is in the test set: nothing is left to train on');
  return { train: items.filter((e) => !held.has(e.speaker)), test: items.filter((e) => held.has(e.speaker)) };
}

/** One fold per speaker (sorted by name), that speaker's recordings as the test set. */
export function leaveOneSpeakerOut<T extends SplitItem>(items: readonly T[]): (Split<T> & { speaker: string })[] {
  return speakersOf(items).map((speaker) => ({ speaker, ...speakerSplit(items, [speaker]) }));
}

/** The distinct speakers, sorted in code-unit order. */
export function speakersOf(items: readonly { speaker?: string }[]): string[] {
  return [...new Set(items.flatMap((e) => (e.speaker === undefined ? [] : [e.speaker])))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface LabelStats {
  digit: number;
  count: number;
  /** count / set size (0 for an empty set). */
  proportion: number;
}

export interface SetStats {
  count: number;
  speakers: string[];
  /** Items whose file name gives no speaker. */
  unknownSpeaker: number;
  /** One row per digit 0..9, zero counts included. */
  labels: LabelStats[];
}

export interface SplitAnalysis {
  train: SetStats;
  test: SetStats;
  overall: SetStats;
  /** Speakers with recordings in both sets: the test accuracy then includes voices seen in training. */
  sharedSpeakers: string[];
}

function setStats(items: readonly { digit: number; speaker?: string }[]): SetStats {
  const counts = new Array<number>(10).fill(0);
  for (const e of items) counts[e.digit]++;
  return {
    count: items.length,
    speakers: speakersOf(items),
    unknownSpeaker: items.filter((e) => e.speaker === undefined).length,
    labels: counts.map((count, digit) => ({ digit, count, proportion: items.length ? count / items.length : 0 })),
  };
}

/** The lab's look at a split: speakers per set, count and proportion of each digit per set and overall. */
export function analyzeSplit(split: Split<{ digit: number; speaker?: string }>): SplitAnalysis {
  const train = setStats(split.train);
  const test = setStats(split.test);
  const trainSpeakers = new Set(train.speakers);
  return {
    train,
    test,
    overall: setStats([...split.train, ...split.test]),
    sharedSpeakers: test.speakers.filter((s) => trainSpeakers.has(s)),
  };
}
