/**
 * The mutation engine: seeded, deterministic byte mutations plus header-field mutations at the
 * offsets a target declares. Case `i` of a target under seed `s` depends only on (s, target, i),
 * so any case can be regenerated alone (to replay a hang or to minimise a finding).
 */
import { mixSeed, mulberry32 } from '@duet/data';

/** A uniform random source with the few draws the mutators need. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** The seed of case `index` of `target` in a campaign seeded with `seed`. */
export function caseSeed(seed: number, target: string, index: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < target.length; i++) h = mixSeed(h, target.charCodeAt(i));
  return mixSeed(h, index);
}

/** A numeric header field: where it sits in the seed, its width and byte order. */
export interface Field {
  at: number;
  /** Binary: 1, 2, 4 or 8 bytes. Octal: the field's bytes, digits then a NUL. */
  width: 1 | 2 | 4 | 8 | 12;
  littleEndian?: boolean;
  /** ASCII octal (tar's numbers) instead of binary. */
  octal?: boolean;
}

/**
 * Values that break parsers: zero, one, all-ones (-1), sign-bit boundaries, powers of two near
 * allocation limits, and values near the file length (off by one in both directions).
 */
function interestingValues(width: number, fileLength: number, current: number): number[] {
  const max = width >= 8 ? 2 ** 64 - 1 : 2 ** (8 * width) - 1;
  const values = [0, 1, 2, 3, 7, 8, 255, 256, 0x7f, 0x80, 0x7fff, 0x8000, 0xffff, 10_000, 44_100, 4_000_000_000, 0x7fffffff, 0x80000000, 0xffffffff];
  values.push(2 ** 31 - 1, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 63, max, max - 1);
  values.push(fileLength, fileLength - 1, fileLength + 1, fileLength * 2, current + 1, current - 1, current * 2, current * 256);
  return values.filter((v) => v >= 0 && v <= max);
}

function writeField(bytes: Uint8Array, field: Field, value: number): void {
  if (field.at + field.width > bytes.length) return;
  if (field.octal) {
    const text = Math.floor(value).toString(8).slice(-(field.width - 1)).padStart(field.width - 1, '0');
    for (let i = 0; i < field.width - 1; i++) bytes[field.at + i] = text.charCodeAt(i);
    bytes[field.at + field.width - 1] = 0;
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = field.littleEndian ?? false;
  if (field.width === 1) view.setUint8(field.at, value & 0xff);
  else if (field.width === 2) view.setUint16(field.at, value & 0xffff, le);
  else if (field.width === 4) view.setUint32(field.at, value >>> 0, le);
  else view.setBigUint64(field.at, BigInt.asUintN(64, BigInt(Math.floor(value))), le);
}

function readField(bytes: Uint8Array, field: Field): number {
  if (field.at + field.width > bytes.length || field.octal) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = field.littleEndian ?? false;
  if (field.width === 1) return view.getUint8(field.at);
  if (field.width === 2) return view.getUint16(field.at, le);
  if (field.width === 4) return view.getUint32(field.at, le);
  return Number(view.getBigUint64(field.at, le));
}

/** Writes a boundary value (huge, zero, negative as two's complement, off-by-one) into a field. */
export function mutateField(bytes: Uint8Array, fields: readonly Field[], rng: Rng): Uint8Array {
  if (fields.length === 0) return bytes;
  const out = bytes.slice();
  const field = rng.pick(fields);
  const current = readField(out, field);
  const value = rng.chance(0.8) ? rng.pick(interestingValues(field.width, out.length, current)) : rng.int(2 ** Math.min(32, 8 * field.width));
  writeField(out, field, value);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** One generic byte-level mutation. `donor` is another seed for splicing. */
export function mutateBytes(bytes: Uint8Array, donor: Uint8Array, rng: Rng): Uint8Array {
  const n = bytes.length;
  const at = n === 0 ? 0 : rng.int(n);
  switch (rng.int(9)) {
    case 0: // truncation, weighted towards the header
      return bytes.slice(0, rng.chance(0.5) ? rng.int(Math.min(n, 64) + 1) : rng.int(n + 1));
    case 1: {
      // bit flips: one to eight
      const out = bytes.slice();
      for (let k = 1 + rng.int(8); k > 0 && n > 0; k--) out[rng.int(n)] ^= 1 << rng.int(8);
      return out;
    }
    case 2: {
      // random byte values
      const out = bytes.slice();
      for (let k = 1 + rng.int(4); k > 0 && n > 0; k--) out[rng.int(n)] = rng.pick([0, 0xff, 0x7f, 0x80, rng.int(256)]);
      return out;
    }
    case 3: {
      // insert a run of bytes
      const run = new Uint8Array(1 + rng.int(rng.chance(0.9) ? 16 : 4096)).fill(rng.int(256));
      if (rng.chance(0.5)) for (let i = 0; i < run.length; i++) run[i] = rng.int(256);
      return concat(bytes.subarray(0, at), run, bytes.subarray(at));
    }
    case 4: // delete a run of bytes
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + 1 + rng.int(rng.chance(0.8) ? 8 : 1024))));
    case 5: {
      // splice: this seed's head with another seed's tail
      const cut = donor.length === 0 ? 0 : rng.int(donor.length);
      return concat(bytes.subarray(0, at), donor.subarray(cut));
    }
    case 6: {
      // duplicate a block (repeated chunks, repeated headers)
      const len = Math.min(n - at, 1 + rng.int(1024));
      return concat(bytes.subarray(0, at + len), bytes.subarray(at, at + len), bytes.subarray(at + len));
    }
    case 7: // zero-length input
      return rng.chance(0.5) ? new Uint8Array(0) : bytes.slice(0, 1);
    default: {
      // overwrite a 32-bit word anywhere with a boundary value (sizes the target did not declare)
      const out = bytes.slice();
      if (n >= 4) {
        const word = Math.min(at, n - 4);
        new DataView(out.buffer).setUint32(word, rng.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, n, n + 1, 0x10000]), rng.chance(0.5));
      }
      return out;
    }
  }
}

/** FNV-1a 64-bit of the bytes as 16 hex digits: the name of a finding's file. */
export function hashBytes(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

