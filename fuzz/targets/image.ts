/**
 * PNG/JPEG: packages/data decodeImage (pngjs, jpeg-js behind a header check), as `duet predict`
 * will read a user's image. PNG chunk CRCs are repaired half the time so IHDR mutations reach
 * the decoder; JPEG has no checksum to repair.
 */
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeImage } from '../../packages/data/src/image';
import { concat, type Field, type Rng } from '../engine';
import type { Seed, Target } from '../target';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Chunk offsets of a PNG, walked from the signature. */
function pngChunks(bytes: Uint8Array): { at: number; length: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: { at: number; length: number }[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    if (at + 12 + length > bytes.length) break;
    chunks.push({ at, length });
    at += 12 + length;
  }
  return chunks;
}

function fixCrcs(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (const { at, length } of pngChunks(out)) view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
  return out;
}

function pngFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [{ at: 16, width: 4 }, { at: 20, width: 4 }, { at: 24, width: 1 }, { at: 25, width: 1 }, { at: 28, width: 1 }];
  return [...fields, ...pngChunks(bytes).map(({ at }) => ({ at, width: 4 }) as Field)];
}

function jpegFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff; ) {
    const marker = bytes[at + 1];
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    fields.push({ at: at + 2, width: 2 });
    if (marker === 0xc0 || marker === 0xc2) fields.push({ at: at + 5, width: 2 }, { at: at + 7, width: 2 }, { at: at + 9, width: 1 }, { at: at + 4, width: 1 });
    if (marker === 0xda) break;
    at += 2 + length;
  }
  return fields;
}

function rgba(width: number, height: number): Buffer {
  return Buffer.from(Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 53) & 0xff)));
}

function pngOf(width: number, height: number, colorType: 0 | 2 | 6): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  png.data = rgba(width, height);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true }));
}

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * A PNG written by hand, for what pngjs cannot write: palettes with transparency, 16-bit
 * samples, Adam7 interlacing. Rows use filter 0 over a fixed byte pattern.
 */
export function buildPng(width: number, height: number, colorType: number, depth: number, interlaced = false): Uint8Array {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType] ?? 1;
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, interlaced ? 1 : 0], 8);
  const passes = interlaced ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] : [[0, 0, 1, 1]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const [w, h] = [Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)];
    if (w <= 0 || h <= 0) continue;
    for (let y = 0; y < h; y++) {
      raw.push(0);
      for (let i = 0; i < Math.ceil((w * channels * depth) / 8); i++) raw.push(colorType === 3 ? (i * 17) & 0x33 : (y * 41 + i * 7) & 0xff);
    }
  }
  const palette = colorType === 3 ? [pngChunk('PLTE', Uint8Array.from({ length: 16 * 3 }, (_, i) => (i * 16) & 0xff)), pngChunk('tRNS', new Uint8Array([0, 128, 255]))] : [];
  return concat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), ...palette, pngChunk('IDAT', deflateSync(Uint8Array.from(raw))), pngChunk('IEND', new Uint8Array(0)));
}

function seedsOf(): Seed[] {
  const pngs: [string, Uint8Array][] = [
    ['png-rgba-5x3', pngOf(5, 3, 6)],
    ['png-gray-28x28', pngOf(28, 28, 0)],
    ['png-rgb-9x7', pngOf(9, 7, 2)],
    ['png-palette4-trns-6x5', buildPng(6, 5, 3, 4)],
    ['png-gray-alpha16-4x4', buildPng(4, 4, 4, 16)],
    ['png-rgb-interlaced-7x5', buildPng(7, 5, 2, 8, true)],
  ];
  const jpegs: [string, Uint8Array][] = [
    ['jpeg-17x11', new Uint8Array(jpeg.encode({ width: 17, height: 11, data: rgba(17, 11) }, 50).data)],
    ['jpeg-40x24-q10', new Uint8Array(jpeg.encode({ width: 40, height: 24, data: rgba(40, 24) }, 10).data)],
  ];
  return [...pngs.map(([name, bytes]) => ({ name, bytes, fields: pngFields(bytes) })), ...jpegs.map(([name, bytes]) => ({ name, bytes, fields: jpegFields(bytes) }))];
}

/** Headers declaring huge or empty images, with the checksums right. */
function special(seed: Seed, rng: Rng): Uint8Array {
  const dims = [0, 1, 10_000, 10_001, 65_535, 100_000, 0x7fffffff, 0xffffffff];
  const out = seed.bytes.slice();
  const view = new DataView(out.buffer);
  if (seed.name.startsWith('png') && rng.chance(0.3)) {
    // any colour type / depth pair, legal or not, interlaced or not
    return buildPng(1 + rng.int(40), 1 + rng.int(40), rng.pick([0, 2, 3, 4, 6, 1, 7]), rng.pick([1, 2, 4, 8, 16, 3, 32]), rng.chance(0.5));
  }
  if (seed.name.startsWith('png')) {
    view.setUint32(16, rng.pick(dims));
    view.setUint32(20, rng.pick(dims));
    if (rng.chance(0.3)) out[28] = 1; // interlaced
    if (rng.chance(0.2)) out[24] = rng.pick([1, 2, 4, 16, 3, 0]);
    return fixCrcs(out);
  }
  const sof = jpegFields(out).find((f) => f.width === 2 && out[f.at - 1] === 0xc0);
  if (sof) {
    view.setUint16(sof.at + 3, rng.pick(dims) & 0xffff);
    view.setUint16(sof.at + 5, rng.pick(dims) & 0xffff);
  }
  return rng.chance(0.2) ? concat(out.subarray(0, rng.int(out.length)), new Uint8Array([0xff, 0xd9])) : out;
}

export const image: Target = {
  name: 'image',
  errors: ['ImageError'],
  extension: '.img',
  seeds: seedsOf,
  special,
  fixup: (bytes) => (bytes[0] === 0x89 ? fixCrcs(bytes) : bytes),
  parse: (bytes, file) => decodeImage(bytes, file),
};
