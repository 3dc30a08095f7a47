/**
 * Regressions found by the fuzz campaign (fuzz/main.ts): each input used to end in an error
 * message that was not one printable line, or in a path outside the audio directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, IdxError, WavError, decodeWav, parseIdx, parseSplitCsv, readTar } from '../src/index';
import { paxRecord, writeTar } from './tar_writer';
import { gzipSync } from 'node:zlib';
import { readMaybeGzip, readSplitCsv } from '../src/node';

/** The error `fn` throws (fails the test when it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe('fuzz regressions', () => {
  it('wav: a chunk id holding DEL and a C1 byte is printed escaped', () => {
    const bytes = new Uint8Array(27);
    bytes.set(latin1('RIFF'), 0);
    bytes.set(latin1('WAVE'), 8);
    bytes.set(latin1('\x7fm\x9bt'), 12);
    new DataView(bytes.buffer).setUint32(16, 32784, true);
    const error = thrown(() => decodeWav(bytes, 'a.wav'));
    expect(error).toBeInstanceOf(WavError);
    expect(error.message).toBe('a.wav: chunk "\\u007fm\\u009bt" at byte 12 declares 32784 bytes but only 7 remain in the file');
    expect(error.message).not.toMatch(CONTROL);
  });

  it('idx: a header of 255 dimensions gives a short message', () => {
    const bytes = new Uint8Array(4 + 4 * 255);
    bytes.set([0, 0, 8, 255]);
    for (let i = 0; i < 255; i++) new DataView(bytes.buffer).setUint32(4 + 4 * i, 2, false);
    const error = thrown(() => parseIdx(bytes, 'x.idx'));
    expect(error).toBeInstanceOf(IdxError);
    expect(error.message).toMatch(/^x\.idx: dimensions 2x2x2x2x2x2x2x2x\.\.\. \(255 dimensions\) need \d/);
    expect(error.message.length).toBeLessThan(200);
  });

  describe('idx.gz: a gzip bomb is refused from the IDX header, not after inflating 256 MiB', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duet-bomb-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    /** `first` then 300 gzip members of 1 MiB of zeros each (about 1 KB apiece). */
    const bomb = (first: Uint8Array) => {
      const member = gzipSync(new Uint8Array(2 ** 20));
      const out = new Uint8Array(first.length + 300 * member.length);
      out.set(first);
      for (let i = 0; i < 300; i++) out.set(member, first.length + i * member.length);
      return out;
    };
    const load = (bytes: Uint8Array) => {
      const file = join(dir, 'train-images-idx3-ubyte.gz');
      writeFileSync(file, bytes);
      return thrown(() => parseIdx(readMaybeGzip(file), file));
    };

    it('zeros: the header is refused as it is', () => {
      const error = load(bomb(new Uint8Array(0)));
      expect(error).toBeInstanceOf(IdxError);
      expect(error.message).toMatch(/: IDX data type 0x00 is not supported/);
    });

    it('a valid header declaring 10 bytes, then 300 MiB', () => {
      const header = gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]));
      expect(load(bomb(header)).message).toMatch(/: inflates to more than the 18 bytes its IDX header declares$/);
    });
  });

  it('tar: an escaping entry name holding DEL, or 10,000 characters long, is printed escaped and short', () => {
    const del = thrown(() => [...readTar(writeTar([{ name: '../../etc/p\x7fsswd', data: 'x' }]), 'fsdd.tar')]);
    expect(del).toBeInstanceOf(DataError);
    expect(del.message).toBe('fsdd.tar: entry "../../etc/p\\u007fsswd" points outside the extraction folder');
    const long = thrown(() => [...readTar(writeTar([{ name: 'PaxHeader', type: 'x', data: paxRecord('path', `../${'a'.repeat(10_000)}`) }, { name: 'x', data: 'x' }]), 'fsdd.tar')]);
    expect(long.message).toMatch(/^fsdd\.tar: entry "\.\.\/a{56}\.\.\.a{59}" points outside the extraction folder$/);
    expect(long.message.length).toBeLessThan(180);
  });

  it('split csv: a path holding a control character is refused, printed escaped', () => {
    const error = thrown(() => parseSplitCsv('re\0c/0_george_0.wav,0\nre\0c/0_george_0.wav,0\n', 'train.csv'));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe('train.csv:1: path "re\\u0000c/0_george_0.wav" holds a control character');
  });

  it('split csv: a label with C1 characters or of any length is printed escaped and short', () => {
    const c1 = thrown(() => parseSplitCsv('recordings/3_theo_11.wav,\u0085\u009b[2J\n', 'train.csv'));
    expect(c1.message).toBe('train.csv:1: label "\\u0085\\u009b[2J" is not a digit 0-9 (split CSVs have no header line)');
    const long = thrown(() => parseSplitCsv(`x.wav,${'ab'.repeat(400)}\n`, 'train.csv'));
    expect(long.message.length).toBeLessThan(200);
    expect(long.message).toMatch(/label "[ab]{59}\.\.\.[ab]{59}" is not a digit/);
  });

  describe('split csv: Windows-style absolute paths on a platform where they are relative', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duet-split-'));
    const audio = join(dir, 'audio');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const read = (text: string) => {
      writeFileSync(join(dir, 'split.csv'), text);
      return () => readSplitCsv(join(dir, 'split.csv'), audio, { checkFiles: false });
    };

    it.skipIf(process.platform === 'win32')('a drive path climbing with .. is refused', () => {
      expect(read('C:/../../../etc/0_george_0.wav,0\n')).toThrow(`${join(dir, 'split.csv')}:1: path C:/../../../etc/0_george_0.wav escapes the audio directory`);
    });

    it.skipIf(process.platform === 'win32')('a UNC path resolves inside the audio directory', () => {
      const [row] = read('\\\\server\\share\\0_george_0.wav,0\n')();
      expect(row.file).toBe(join(audio, '\\\\server\\share\\0_george_0.wav'));
    });

    it('a POSIX absolute path is still taken as written', () => {
      const [row] = read('/data/fsdd/4_theo_1.wav,4\n')();
      expect(row.file).toBe('/data/fsdd/4_theo_1.wav');
    });
  });
});
