/**
 * IDX: packages/data parseIdx / parseIdxImages / parseIdxLabels, and IDX.gz read through the
 * MNIST loader's own readMaybeGzip (the case is written to disk, as the loader reads it).
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseIdx, parseIdxImages, parseIdxLabels } from '@duet/data';
import { readMaybeGzip } from '@duet/data/node';
import { concat, mutateBytes, mutateField, type Field, type Rng } from '../engine';
import type { Seed, Target } from '../target';

/** An IDX file of unsigned bytes with the given dimensions and data (consistent or not). */
function buildIdx(dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head.set([0, 0, type, dims.length & 0xff]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d >>> 0, false));
  return concat(head, data);
}

function idxFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [{ at: 2, width: 1 }, { at: 3, width: 1 }];
  for (let i = 0; i < bytes[3]; i++) fields.push({ at: 4 + 4 * i, width: 4 });
  return fields;
}

function idxSeeds(): Seed[] {
  const images = buildIdx([3, 5, 7], new Uint8Array(105).map((_, i) => (i * 29) & 0xff));
  const labels = buildIdx([11], new Uint8Array(11).map((_, i) => i % 10));
  return [
    { name: 'images-3x5x7', bytes: images, fields: idxFields(images) },
    { name: 'labels-11', bytes: labels, fields: idxFields(labels) },
  ];
}

/** Headers with huge, zero and overflowing dimensions over a little data. */
function idxSpecial(rng: Rng): Uint8Array {
  const ndims = rng.pick([0, 1, 3, 3, 4, 255]);
  const dims = Array.from({ length: ndims }, () => rng.pick([0, 1, 2, 28, 60_000, 0x7fffffff, 0xffffffff, 65_536]));
  const length = rng.pick([0, 1, dims.reduce((n, d) => n * d, 1) % 4096, 784]);
  return buildIdx(dims, new Uint8Array(length).map(() => rng.int(256)), rng.pick([0x08, 0x08, 0x09, 0x0d, 0xff]));
}

/** Parses as the MNIST loader would: images for 3 dimensions, labels for 1. */
function parseAsLoader(bytes: Uint8Array, file: string): unknown {
  if (bytes[3] === 3) return parseIdxImages(bytes, file);
  if (bytes[3] === 1) return parseIdxLabels(bytes, file);
  return parseIdx(bytes, file);
}

let bombMember: Uint8Array | undefined;

/**
 * `mib` MiB of zeros as that many 1 MiB gzip members (about 1 KB each): gunzip joins members,
 * so a 300 KB file inflates past the loader's 256 MiB cap.
 */
function gzipBomb(mib: number): Uint8Array {
  bombMember ??= gzipSync(new Uint8Array(2 ** 20));
  const out = new Uint8Array(bombMember.length * mib);
  for (let i = 0; i < mib; i++) out.set(bombMember, i * bombMember.length);
  return out;
}

export const idx: Target = {
  name: 'idx',
  errors: ['IdxError'],
  extension: '.idx',
  seeds: idxSeeds,
  special: (_seed, rng) => idxSpecial(rng),
  parse: parseAsLoader,
};

export const idxGz: Target = {
  name: 'idx-gz',
  errors: ['IdxError'],
  extension: '.idx.gz',
  seeds: () =>
    idxSeeds().map((s) => {
      const bytes = gzipSync(s.bytes);
      // gzip's trailer: CRC-32 and ISIZE (the uncompressed length), both little-endian
      return { name: `${s.name}.gz`, bytes, fields: [{ at: bytes.length - 8, width: 4, littleEndian: true }, { at: bytes.length - 4, width: 4, littleEndian: true }] };
    }),
  /** Mutates the IDX inside and compresses again, so the header mutations reach the parser. */
  special(_seed, rng) {
    if (rng.chance(0.01)) return gzipBomb(rng.pick([1, 300]));
    const inner = rng.pick(idxSeeds());
    const mutated = rng.chance(0.3) ? idxSpecial(rng) : rng.chance(0.5) ? mutateField(inner.bytes, inner.fields, rng) : mutateBytes(inner.bytes, inner.bytes, rng);
    const gz = gzipSync(mutated);
    return rng.chance(0.1) ? concat(gz, gzipSync(new Uint8Array(rng.int(3)))) : gz; // a second gzip member
  },
  parse(bytes, file) {
    writeFileSync(file, bytes);
    return parseAsLoader(readMaybeGzip(file), file);
  },
};
