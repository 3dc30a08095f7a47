/** WAV: packages/data decodeWav on built files and two real FSDD recordings. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav, encodeWav } from '@duet/data';
import { concat, type Field, type Rng } from '../engine';
import { fsddDir } from '../paths';
import type { Seed, Target } from '../target';

/** Two real recordings, read at run time from the shared data folder (never committed). */
const FSDD_FILES = ['0_george_0.wav', '7_jackson_3.wav'];

interface WavSpec {
  tag?: number;
  channels?: number;
  sampleRate?: number;
  bits?: number;
  /** Raw sample bytes of the data chunk. */
  data?: Uint8Array;
  /** Overrides for the declared sizes. */
  fmtSize?: number;
  dataSize?: number;
  /** Chunks before fmt (LIST, junk, odd-sized). */
  before?: Uint8Array[];
  dataFirst?: boolean;
  extensible?: boolean;
}

function chunk(id: string, body: Uint8Array, declared = body.length): Uint8Array {
  const head = new Uint8Array(8);
  for (let i = 0; i < 4; i++) head[i] = id.charCodeAt(i);
  new DataView(head.buffer).setUint32(4, declared >>> 0, true);
  return concat(head, body, body.length & 1 ? new Uint8Array(1) : new Uint8Array(0));
}

/** A RIFF/WAVE file with whatever fields the spec says, consistent or not. */
export function buildWav(spec: WavSpec): Uint8Array {
  const channels = spec.channels ?? 1;
  const bits = spec.bits ?? 16;
  const rate = spec.sampleRate ?? 8000;
  const fmt = new Uint8Array(spec.extensible ? 40 : 16);
  const v = new DataView(fmt.buffer);
  v.setUint16(0, spec.extensible ? 0xfffe : (spec.tag ?? 1), true);
  v.setUint16(2, channels & 0xffff, true);
  v.setUint32(4, rate >>> 0, true);
  v.setUint32(8, (rate * channels * bits) / 8 >>> 0, true);
  v.setUint16(12, ((channels * bits) / 8) & 0xffff, true);
  v.setUint16(14, bits & 0xffff, true);
  if (spec.extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint16(24, spec.tag ?? 1, true);
    fmt.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }
  const data = spec.data ?? new Uint8Array(0);
  const fmtChunk = chunk('fmt ', fmt, spec.fmtSize ?? fmt.length);
  const dataChunk = chunk('data', data, spec.dataSize ?? data.length);
  const body = concat(new Uint8Array([0x57, 0x41, 0x56, 0x45]), ...(spec.before ?? []), ...(spec.dataFirst ? [dataChunk, fmtChunk] : [fmtChunk, dataChunk]));
  return concat(chunk('RIFF', body).subarray(0, 8 + body.length));
}

/** The size fields of every chunk and the fmt fields, found by walking a well-formed seed. */
function wavFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [{ at: 4, width: 4, littleEndian: true }];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    fields.push({ at: at + 4, width: 4, littleEndian: true });
    if (String.fromCharCode(...bytes.subarray(at, at + 4)) === 'fmt ') {
      for (const [off, width] of [[0, 2], [2, 2], [4, 4], [8, 4], [12, 2], [14, 2]] as const) fields.push({ at: at + 8 + off, width, littleEndian: true });
    }
    at += 8 + size + (size & 1);
  }
  return fields;
}

function samples(n: number, bits: number, rng: Rng, nan = false): Uint8Array {
  const out = new Uint8Array(n * (bits / 8));
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const x = Math.sin(i / 3) * 0.5;
    if (bits === 32) view.setFloat32(4 * i, nan && rng.chance(0.2) ? rng.pick([Number.NaN, Infinity, -Infinity, 3.4e38]) : x, true);
    else if (bits === 64) view.setFloat64(8 * i, nan && rng.chance(0.2) ? Number.NaN : x, true);
    else for (let b = 0; b < bits / 8; b++) out[i * (bits / 8) + b] = rng.int(256);
  }
  return out;
}

/** Pathological but syntactically complete files. */
function special(rng: Rng): Uint8Array {
  const bits = rng.pick([8, 16, 24, 32, 64, 0, 12, 65535]);
  const tag = rng.pick([1, 3, 3, 2, 0, 0x55]);
  const channels = rng.pick([1, 2, 64, 65, 10_000, 0, 65535]);
  const frames = rng.pick([0, 1, 7, 100]);
  const spec: WavSpec = {
    tag,
    bits,
    channels,
    sampleRate: rng.pick([0, 1, 8000, 44_100, 1_000_001, 4_000_000_000, 0xffffffff]),
    data: samples(frames * Math.max(1, Math.min(channels, 64)), bits === 64 ? 64 : bits === 32 ? 32 : 16, rng, tag === 3),
    extensible: rng.chance(0.2),
    dataFirst: rng.chance(0.1),
  };
  if (rng.chance(0.3)) spec.dataSize = rng.pick([0, 1, 0xffffffff, 0x7fffffff, (spec.data?.length ?? 0) + 2, 3]);
  if (rng.chance(0.2)) spec.fmtSize = rng.pick([0, 15, 18, 40, 0xffffffff, 1000]);
  if (rng.chance(0.3)) spec.before = [chunk(rng.pick(['LIST', 'junk', 'fact', '\0\0\0\0', 'fmt ']), new Uint8Array(rng.int(5)), rng.pick([0, 1, 3, 0xffffffff]))];
  return buildWav(spec);
}

export const wav: Target = {
  name: 'wav',
  errors: ['WavError'],
  extension: '.wav',
  seeds() {
    const sine = Float32Array.from({ length: 257 }, (_, i) => Math.sin(i / 5) * 0.7);
    const built = [
      { name: 'pcm16', bytes: encodeWav(sine, 8000, 16) },
      { name: 'float32', bytes: encodeWav(sine, 16000, '32f') },
      { name: 'stereo24-extensible', bytes: buildWav({ channels: 2, bits: 24, data: new Uint8Array(6 * 31).map((_, i) => (i * 37) & 0xff), extensible: true, before: [chunk('LIST', new Uint8Array(5))] }) },
      { name: 'pcm8', bytes: buildWav({ bits: 8, sampleRate: 11025, data: new Uint8Array(33).map((_, i) => 128 + ((i * 7) % 50)) }) },
    ];
    const real = FSDD_FILES.map((name) => join(fsddDir(), name)).filter((file) => existsSync(file));
    const fsdd = real.map((file) => ({ name: file.split('/').pop() as string, bytes: new Uint8Array(readFileSync(file)) }));
    return [...built, ...fsdd].map((s) => ({ ...s, fields: wavFields(s.bytes) }));
  },
  special: (_seed: Seed, rng: Rng) => special(rng),
  parse: (bytes, file) => decodeWav(bytes, file),
};
