import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanCorpus } from '../src/corpus';
import { DataError } from '../src/errors';
import { mulberry32, permutation } from '../src/random';
import { analyzeSplit, leaveOneSpeakerOut, officialSplit, randomSplit, speakerSplit, type SplitItem } from '../src/split';
import { escapesBase, formatSplitCsv, parseSplitCsv } from '../src/split_csv';
import { readSplitCsv, writeSplit } from '../src/split_files';

const corpus = scanCorpus(resolve(__dirname, '../../../../shared/data'));
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'duet-split-'));
  made.push(dir);
  return dir;
};

/** A tiny synthetic corpus: speakers a, b, c; digits 0-2; repetitions 0-6. */
const tiny: SplitItem[] = ['a', 'b', 'c'].flatMap((speaker) =>
  [0, 1, 2].flatMap((digit) => [0, 1, 2, 3, 4, 5, 6].map((index) => ({ path: `recordings/${digit}_${speaker}_${index}.wav`, digit, speaker, index }))),
);

describe('seeded randomness', () => {
  it('mulberry32 is the published generator (first draws for seed 1)', () => {
    const r = mulberry32(1);
    // Reference values from the canonical C/JS mulberry32 with seed 1: 2^32 * u.
    expect([r(), r(), r()].map((u) => Math.round(u * 4294967296))).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('permutations depend only on (seed, stream) and are permutations', () => {
    const p = permutation(1000, 7, 3);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(permutation(1000, 7, 3)).toEqual(p);
    expect(permutation(1000, 7, 4)).not.toEqual(p);
    expect(permutation(1000, 8, 3)).not.toEqual(p);
    expect(() => permutation(3, -1)).toThrow(DataError);
  });
});

describe('split strategies on FSDD', () => {
  it('random: 750 test / 2250 train with seed 42, reproducible, disjoint, covering the corpus', () => {
    const a = randomSplit(corpus.entries, 0.25, 42);
    expect([a.test.length, a.train.length]).toEqual([750, 2250]);
    expect(randomSplit(corpus.entries, 0.25, 42)).toEqual(a);
    expect(randomSplit(corpus.entries, 0.25, 43).test).not.toEqual(a.test);
    expect(new Set([...a.train, ...a.test].map((e) => e.path)).size).toBe(3000);
    const analysis = analyzeSplit(a);
    expect(analysis.sharedSpeakers).toHaveLength(6); // every voice is on both sides
    expect(analysis.overall.labels.every((l) => l.count === 300 && l.proportion === 0.1)).toBe(true);
    expect(analysis.test.labels.reduce((n, l) => n + l.count, 0)).toBe(750);
    expect(randomSplit(corpus.entries, 0.1, 1).test).toHaveLength(300);
    expect(() => randomSplit(corpus.entries, 1.5)).toThrow(/between 0 and 1/);
  });

  it('official: repetitions 0-4 are the 300 test recordings', () => {
    const s = officialSplit(corpus.entries);
    expect([s.test.length, s.train.length]).toEqual([300, 2700]);
    expect(s.test.every((e) => e.index < 5)).toBe(true);
    const analysis = analyzeSplit(s);
    expect(analysis.test.labels.map((l) => l.count)).toEqual(new Array(10).fill(30));
    expect(analysis.test.speakers).toHaveLength(6);
  });

  it('speaker: held-out speakers appear only in test; leave-one-speaker-out gives one fold per speaker', () => {
    const s = speakerSplit(corpus.entries, ['theo', 'lucas']);
    expect([s.test.length, s.train.length]).toEqual([1000, 2000]);
    const analysis = analyzeSplit(s);
    expect(analysis.sharedSpeakers).toEqual([]);
    expect(analysis.test.speakers).toEqual(['lucas', 'theo']);
    expect(analysis.train.speakers).toEqual(['george', 'jackson', 'nicolas', 'yweweler']);
    const folds = leaveOneSpeakerOut(tiny);
    expect(folds.map((f) => f.speaker)).toEqual(['a', 'b', 'c']);
    for (const fold of folds) {
      expect(fold.test.every((e) => e.speaker === fold.speaker)).toBe(true);
      expect(fold.train.some((e) => e.speaker === fold.speaker)).toBe(false);
      expect(fold.train.length + fold.test.length).toBe(tiny.length);
    }
    expect(() => speakerSplit(tiny, ['zed'])).toThrow('unknown speaker zed; the corpus has a, b, c');
    expect(() => speakerSplit(tiny, [])).toThrow(/at least one test speaker/);
    expect(() => speakerSplit(tiny, ['a', 'b', 'c'])).toThrow(/nothing is left to train on/);
  });
});

describe('split CSV', () => {
  it('writes the lab format (no header) and reads it back with absolute paths', () => {
    const out = tempDir();
    const split = officialSplit(corpus.entries);
    const files = writeSplit(out, split);
    const text = readFileSync(files.test, 'utf8');
    expect(text.split('\n')[0]).toBe('recordings/0_george_0.wav,0');
    expect(text.endsWith('.wav,9\n')).toBe(true);
    const rows = readSplitCsv(files.test, corpus.root);
    expect(rows).toHaveLength(300);
    expect(rows[0]).toEqual({ path: 'recordings/0_george_0.wav', digit: 0, speaker: 'george', line: 1, file: join(corpus.root, 'recordings/0_george_0.wav') });
  });

  it.each([
    ['a header line', 'path,label\n', ':1: label "label" is not a digit 0-9 (split CSVs have no header line)'],
    ['three fields', 'x/1_a_1.wav,1\nx/1_a_2.wav,1,extra\n', ':2: expected "path,label", found 3 fields'],
    ['an empty line', 'x/1_a_1.wav,1\n\nx/1_a_2.wav,1\n', ':2: empty line'],
    ['a bad label', 'x/1_a_1.wav,12\n', ':1: label "12" is not a digit 0-9'],
    ['a label disagreeing with the name', 'x/1_a_1.wav,7\n', ':1: label 7 disagrees with the file name x/1_a_1.wav (digit 1)'],
    ['a duplicate', 'x/1_a_1.wav,1\nx/1_a_1.wav,1\n', ':2: x/1_a_1.wav already listed on line 1'],
    ['a path escaping the audio dir', 'x/1_a_1.wav,1\nrecordings/../../etc/1_a_1.wav,1\n', ':2: path recordings/../../etc/1_a_1.wav escapes the audio directory'],
    ['a backslash escape', '..\\1_a_1.wav,1\n', ':1: path ..\\1_a_1.wav escapes the audio directory'],
  ])('refuses %s with <file>:<line>: <problem>', (_, text, message) => {
    expect(() => parseSplitCsv(text, 'train.csv')).toThrow(DataError);
    expect(() => parseSplitCsv(text, 'train.csv')).toThrow(`train.csv${message}`);
  });

  it('accepts CRLF, a BOM, absolute paths, and .. that stays inside', () => {
    const rows = parseSplitCsv('\uFEFFa/../b/3_x_1.wav,3\r\n/abs/../../4_y_2.wav,4\r\nC:\\d\\5_z_0.wav,5\r\n', 'f.csv');
    expect(rows.map((r) => [r.path, r.digit, r.speaker])).toEqual([
      ['a/../b/3_x_1.wav', 3, 'x'],
      ['/abs/../../4_y_2.wav', 4, 'y'],
      ['C:\\d\\5_z_0.wav', 5, 'z'],
    ]);
    expect(escapesBase('a/./../b')).toBe(false);
    expect(escapesBase('a/../../b')).toBe(true);
  });

  it('refuses to write paths that the format cannot hold', () => {
    expect(() => formatSplitCsv([{ path: 'a,b.wav', digit: 1 }])).toThrow(/comma/);
    expect(() => formatSplitCsv([{ path: 'a.wav', digit: 10 }])).toThrow(/digits 0-9/);
  });

  it('reports a missing recording and an unreadable CSV with the file name', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'test.csv'), 'recordings/0_george_0.wav,0\nrecordings/0_nobody_0.wav,0\n');
    expect(() => readSplitCsv(join(dir, 'test.csv'), corpus.root)).toThrow(`${join(dir, 'test.csv')}:2: ${join(corpus.root, 'recordings/0_nobody_0.wav')} does not exist`);
    expect(readSplitCsv(join(dir, 'test.csv'), corpus.root, { checkFiles: false })).toHaveLength(2);
    expect(() => readSplitCsv(join(dir, 'missing.csv'), corpus.root)).toThrow(/missing\.csv: cannot read the split CSV \(ENOENT\)/);
  });
});
