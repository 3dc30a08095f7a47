/**
 * FSDD archive reader: packages/data readTar over ustar, GNU long-name, pax and base-256 archives.
 * Mutated headers get their checksum repaired half the time, so size and type mutations reach
 * the code behind the checksum check. Invariant: no yielded entry escapes the extraction folder.
 */
import { escapesBase, isAbsolutePath, readTar, type TarEntry } from '@duet/data';
import { paxRecord, writeTar } from '../../packages/data/test/tar_writer';
import { encodeWav } from '@duet/data';
import type { Field, Rng } from '../engine';
import type { Seed, Target } from '../target';

const BLOCK = 512;

/** Size field, lenient: octal or base-256, NaN when neither. */
function sizeOf(block: Uint8Array): number {
  if (block[124] & 0x80) return block.subarray(125, 136).reduce((n, b) => n * 256 + b, block[124] & 0x7f);
  const digits = new TextDecoder().decode(block.subarray(124, 136)).replace(/\0.*$/s, '').trim();
  return /^[0-7]*$/.test(digits) ? parseInt(digits || '0', 8) : Number.NaN;
}

/** Header blocks of an archive, walked the way the reader walks them. */
function headers(bytes: Uint8Array): number[] {
  const found: number[] = [];
  for (let at = 0; at + BLOCK <= bytes.length; ) {
    const block = bytes.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) break;
    found.push(at);
    const size = sizeOf(block);
    if (!Number.isSafeInteger(size)) break;
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return found;
}

function tarFields(bytes: Uint8Array): Field[] {
  return headers(bytes).flatMap((at) => [
    { at: at + 124, width: 12, octal: true },
    { at: at + 124, width: 4, littleEndian: false }, // raw bytes: base-256 marker territory
    { at: at + 156, width: 1 },
    { at: at + 148, width: 8, octal: true },
  ]);
}

/** Rewrites every header checksum (unsigned sum with the field as spaces). */
function fixChecksums(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  for (const at of headers(out)) {
    out.fill(0x20, at + 148, at + 156);
    const sum = out.subarray(at, at + BLOCK).reduce((n, b) => n + b, 0);
    out.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), at + 148);
  }
  return out;
}

function seedsOf(): Seed[] {
  const wav = encodeWav(Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)), 8000);
  const long = `free-spoken-digit-dataset-abc123/recordings/${'deep/'.repeat(25)}0_george_0.wav`;
  const archives: [string, Uint8Array][] = [
    ['ustar', writeTar([{ name: 'fsdd/', type: '5' }, { name: 'fsdd/recordings/0_george_0.wav', data: wav }, { name: 'fsdd/README.md', data: 'spoken digits\n' }])],
    ['gnu-long-name', writeTar([{ name: '././@LongLink', type: 'L', data: long }, { name: long.slice(0, 100), data: wav }])],
    ['pax', writeTar([{ name: 'pax_global_header', type: 'g', data: paxRecord('comment', 'abc123') }, { name: 'PaxHeader', type: 'x', data: paxRecord('path', long) + paxRecord('size', '5') }, { name: 'short', data: 'hello' }])],
    ['ustar-prefix-symlink', writeTar([{ name: '0_george_0.wav', prefix: 'fsdd/recordings', data: wav }, { name: 'link', type: '2' }])],
  ];
  return archives.map(([name, bytes]) => ({ name, bytes, fields: tarFields(bytes) }));
}

function special(seed: Seed, rng: Rng): Uint8Array {
  const hostile = ['../../etc/passwd', '/etc/passwd', 'C:\\x', 'a/../../b', '..', 'ok/./..', '\\\\server\\x', 'a\nb', '\x1b[2J'];
  switch (rng.int(3)) {
    case 0:
      return writeTar([{ name: rng.pick(hostile), data: 'x' }]);
    case 1: {
      const key = rng.pick(['path', 'size', 'linkpath']);
      const value = rng.pick([...hostile, '-1', '1e400', '99999999999999999999', 'NaN', '', ' 3', '0x10', '9007199254740993']);
      const record = rng.chance(0.7) ? paxRecord(key, value) : rng.pick(['5 a=b', '0 x=y\n', '999 k=v\n', 'abc', '3 =\n', '']);
      return writeTar([{ name: 'PaxHeader', type: 'x', data: record }, { name: 'file', data: 'hello' }]);
    }
    default: {
      // a base-256 size of any magnitude in the first header
      const out = seed.bytes.slice();
      out[124] = 0x80 | rng.int(128);
      for (let i = 125; i < 136; i++) out[i] = rng.chance(0.5) ? 0xff : rng.int(256);
      return fixChecksums(out);
    }
  }
}

export const tar: Target = {
  name: 'tar',
  errors: ['DataError'],
  extension: '.tar',
  seeds: seedsOf,
  special,
  fixup: (bytes) => fixChecksums(bytes),
  parse: (bytes, file) => Array.from(readTar(bytes, file)),
  check(result) {
    for (const entry of result as TarEntry[]) {
      if (isAbsolutePath(entry.name) || escapesBase(entry.name)) return `entry ${JSON.stringify(entry.name)} escapes the extraction folder`;
      if (entry.data.length !== entry.size) return `entry ${JSON.stringify(entry.name)} has ${entry.data.length} bytes for size ${entry.size}`;
    }
    return undefined;
  },
};
