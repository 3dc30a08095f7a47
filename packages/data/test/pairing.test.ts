import { describe, expect, it } from 'vitest';
import { DataError } from '../src/errors';
import { formatPairingCsv, formatPairingJson, pairDigits, parsePairingCsv, parsePairingJson, reservedMnistValidation, type PairClip } from '../src/pairing';
import { officialSplit, speakerSplit, type SplitItem } from '../src/split';

/** Speakers a-d, digits 0-3, repetitions 0-7. */
const clips: SplitItem[] = ['a', 'b', 'c', 'd'].flatMap((speaker) =>
  [0, 1, 2, 3].flatMap((digit) => [0, 1, 2, 3, 4, 5, 6, 7].map((index) => ({ path: `recordings/${digit}_${speaker}_${index}.wav`, digit, speaker, index }))),
);
/** MNIST-like labels: 40 training images and 12 test images per digit 0-3 (interleaved). */
const mnist = { train: Uint8Array.from({ length: 160 }, (_, i) => i % 4), test: Uint8Array.from({ length: 48 }, (_, i) => (i * 3) % 4) };

describe('pairDigits', () => {
  const split = speakerSplit(clips, ['d']);
  const pairing = pairDigits(split, mnist, { pairsPerClip: 3, validationFraction: 0.25, seed: 7 });

  it('pairs every clip with images of its own digit, K distinct per training clip', () => {
    for (const p of pairing.pairs) expect(mnist[p.mnistPart][p.mnistIndex]).toBe(p.label);
    const byClip = new Map<string, number[]>();
    for (const p of pairing.pairs.filter((q) => q.split === 'train')) byClip.set(p.audio, [...(byClip.get(p.audio) ?? []), p.mnistIndex]);
    for (const images of byClip.values()) expect(new Set(images).size).toBe(3);
    expect(pairing.pairs.filter((p) => p.split === 'validation').length).toBe(split.train.length * 0.25);
    expect(pairing.pairs.filter((p) => p.split === 'test').length).toBe(split.test.length);
    expect(byClip.size).toBe(split.train.length * 0.75);
  });

  it('keeps test data out of training and validation images out of training pairs', () => {
    const testClips = new Set(split.test.map((c) => c.path));
    for (const p of pairing.pairs) {
      expect(p.mnistPart).toBe(p.split === 'test' ? 'test' : 'train');
      expect(testClips.has(p.audio)).toBe(p.split === 'test');
    }
    const reserved = new Set(pairing.mnistValidation);
    for (const p of pairing.pairs.filter((q) => q.split === 'validation')) expect(reserved.has(p.mnistIndex)).toBe(true);
    for (const p of pairing.pairs.filter((q) => q.split === 'train')) expect(reserved.has(p.mnistIndex)).toBe(false);
    const validationClips = new Set(pairing.pairs.filter((p) => p.split === 'validation').map((p) => p.audio));
    for (const p of pairing.pairs.filter((q) => q.split === 'train')) expect(validationClips.has(p.audio)).toBe(false);
  });

  it('reservedMnistValidation names the images the pairing keeps for validation, for that seed only', () => {
    expect(reservedMnistValidation(mnist.train, 7, 0.25)).toEqual(pairing.mnistValidation);
    expect(reservedMnistValidation(mnist.train, 8, 0.25)).not.toEqual(pairing.mnistValidation);
    expect(reservedMnistValidation(mnist.train, 7, 0.1)).toHaveLength(4 * 4); // ceil(40 * 0.1) per digit
    expect(() => reservedMnistValidation(mnist.train, 7, 1)).toThrow(DataError);
  });

  it('holds out validation clips per digit, or whole speakers', () => {
    const perDigit = [0, 1, 2, 3].map((d) => pairing.pairs.filter((p) => p.split === 'validation' && p.label === d).length);
    expect(perDigit).toEqual([6, 6, 6, 6]);
    const bySpeaker = pairDigits(split, mnist, { validationFraction: 0.3, validationBy: 'speaker', seed: 7 });
    const valSpeakers = new Set(bySpeaker.pairs.filter((p) => p.split === 'validation').map((p) => p.speaker));
    const trainSpeakers = new Set(bySpeaker.pairs.filter((p) => p.split === 'train').map((p) => p.speaker));
    expect(valSpeakers.size).toBe(1);
    for (const s of valSpeakers) expect(trainSpeakers.has(s)).toBe(false);
  });

  it('is reproducible, independent of the clips order, and changes with the seed', () => {
    const shuffled = { train: [...split.train].reverse(), test: [...split.test].reverse() };
    expect(pairDigits(shuffled, mnist, { pairsPerClip: 3, validationFraction: 0.25, seed: 7 })).toEqual(pairing);
    const other = pairDigits(split, mnist, { pairsPerClip: 3, validationFraction: 0.25, seed: 8 });
    expect(other.pairs.map((p) => p.mnistIndex)).not.toEqual(pairing.pairs.map((p) => p.mnistIndex));
  });

  it('spreads the draws over the whole pool of a digit', () => {
    // 9 training clips of digit 0 x 4 images >= the 30 unreserved images of 0: every one is used.
    const all = pairDigits(officialSplit(clips), mnist, { pairsPerClip: 4, validationFraction: 0.25, seed: 1 });
    const used = new Set(all.pairs.filter((p) => p.split === 'train' && p.label === 0).map((p) => p.mnistIndex));
    expect(used.size).toBe(40 - all.mnistValidation.filter((i) => mnist.train[i] === 0).length);
  });

  it('refuses impossible requests with a message', () => {
    expect(() => pairDigits(split, mnist, { pairsPerClip: 0 })).toThrow(/positive integer/);
    expect(() => pairDigits(split, mnist, { pairsPerClip: 31, validationFraction: 0.25 })).toThrow(/too few for 31 distinct images/);
    const bad: PairClip[] = [{ path: 'x.wav', digit: 12 }];
    expect(() => pairDigits({ train: bad, test: [] }, mnist)).toThrow(DataError);
    expect(() => pairDigits({ train: [clips[0], clips[0]], test: [] }, mnist)).toThrow(/listed twice/);
  });
});

describe('pairing files', () => {
  const pairing = pairDigits(speakerSplit(clips, ['b']), mnist, { pairsPerClip: 2, seed: 3 });

  it('round-trips through CSV (with quoted paths) and JSON', () => {
    expect(parsePairingCsv(formatPairingCsv(pairing.pairs), 'p.csv')).toEqual(pairing.pairs);
    const odd = [{ ...pairing.pairs[0], audio: 'my "clips", take 2/0_x_1.wav' }];
    expect(parsePairingCsv(formatPairingCsv(odd), 'p.csv')).toEqual(odd);
    expect(parsePairingJson(formatPairingJson(pairing), 'p.json')).toEqual(pairing);
  });

  it('writes a header and one readable line per pair', () => {
    const lines = formatPairingCsv(pairing.pairs).trimEnd().split('\n');
    expect(lines[0]).toBe('split,audio,speaker,label,mnist_part,mnist_index');
    expect(lines.length).toBe(pairing.pairs.length + 1);
    expect(lines[1]).toMatch(/^train,recordings\/\d_[a-d]_\d\.wav,[a-d],\d,train,\d+$/);
  });

  it('rejects broken files naming the line', () => {
    const good = formatPairingCsv(pairing.pairs.slice(0, 2));
    expect(() => parsePairingCsv('path,label\n', 'p.csv')).toThrow(/p\.csv:1: expected the header/);
    expect(() => parsePairingCsv(good.replace(',train,', ',test,'), 'p.csv')).toThrow(/p\.csv:2: a train pair must use MNIST train/);
    expect(() => parsePairingCsv(`${good}test,x.wav,,11,test,3\n`, 'p.csv')).toThrow(/p\.csv:4: label 11/);
    expect(() => parsePairingCsv(`${good}test,"x.wav,,1,test,3\n`, 'p.csv')).toThrow(/unterminated/);
    expect(() => parsePairingJson('{"format":"other"}', 'p.json')).toThrow(/not a duet pairing/);
  });
});
