/**
 * safetensors: packages/autograd parseSafetensors (imported by path: the package entry pulls in
 * the GPU). Mutations work on the JSON header as well as on the bytes, and the 8-byte header
 * length is repaired half the time so JSON-level mutations reach the checks behind it.
 */
import { parseSafetensors, serializeSafetensors } from '../../packages/autograd/src/safetensors';
import { concat, type Rng } from '../engine';
import type { Seed, Target } from '../target';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function seedsOf(): Seed[] {
  const t = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i / 7 - 1) });
  const files: [string, Uint8Array][] = [
    ['mlp', serializeSafetensors([['0.weight', t([4, 3])], ['0.bias', t([4])], ['2.weight', t([2, 4])]], { format: 'pt' })],
    ['scalar-and-empty', serializeSafetensors([['step', t([])], ['empty', t([0, 5])]])],
  ];
  return files.map(([name, bytes]) => ({ name, bytes, fields: [{ at: 0, width: 8, littleEndian: true }] }));
}

/** A file from a header text and data bytes, with the header length right or as given. */
function assemble(header: string, data: Uint8Array, length?: number): Uint8Array {
  const json = encoder.encode(header);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(length ?? json.length), true);
  return concat(head, json, data);
}

function split(bytes: Uint8Array): { header: string; data: Uint8Array } {
  if (bytes.length < 8) return { header: '', data: new Uint8Array(0) };
  const n = Math.min(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)), bytes.length - 8);
  return { header: decoder.decode(bytes.subarray(8, 8 + n)), data: bytes.subarray(8 + n) };
}

const HOSTILE_VALUES: unknown[] = [
  -1, 0, 1.5, 2 ** 53, 2 ** 64, 1e308, -0, null, '3', true, [], {}, [1, 2, 3], [[1]], 'F32', 'F16', 'BF16', 'I64', '', 'f32',
];

/** Rewrites one entry of the parsed header with a hostile value, or builds a pathological header. */
function jsonMutation(seed: Seed, rng: Rng): Uint8Array {
  const { header, data } = split(seed.bytes);
  let parsed: Record<string, Record<string, unknown>>;
  try {
    parsed = JSON.parse(header);
  } catch {
    parsed = {};
  }
  const names = Object.keys(parsed).filter((k) => k !== '__metadata__');
  switch (rng.int(6)) {
    case 0: {
      // one field of one tensor gets a hostile value
      const entry = parsed[rng.pick(names)] ?? {};
      const key = rng.pick(['dtype', 'shape', 'data_offsets']);
      entry[key] = rng.chance(0.5) ? rng.pick(HOSTILE_VALUES) : [rng.pick(HOSTILE_VALUES), rng.pick(HOSTILE_VALUES)];
      break;
    }
    case 1: {
      // huge shapes whose element count overflows, offsets past the data
      const entry = parsed[rng.pick(names)] ?? {};
      entry.shape = Array.from({ length: 1 + rng.int(8) }, () => rng.pick([0, 1, 65_536, 2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1]));
      entry.data_offsets = [rng.pick([0, 4, data.length]), rng.pick([0, data.length, 2 ** 53 - 1, data.length + 4])];
      break;
    }
    case 2: {
      // a hostile tensor name (line breaks, escapes, prototype keys)
      const name = rng.pick(['a\nb', '\x1b[2J', '__proto__', 'constructor', '', ' ', 'x'.repeat(5000), '\u2028', '0.weight']);
      parsed[name] = { dtype: 'F16', shape: [1], data_offsets: [0, 2] };
      break;
    }
    case 3:
      parsed.__metadata__ = rng.pick([{ a: 1 } as never, [] as never, 'x' as never, { 'k\nk': 'v' } as never, { '\x1b]0;t\x07': 3 } as never, { __proto__: 'x' } as never]);
      break;
    case 4: {
      // deeply nested JSON, inside a shape or as the whole header
      const depth = rng.pick([100, 10_000, 200_000]);
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const text = rng.chance(0.5) ? `{"t":{"dtype":"F32","shape":${nested},"data_offsets":[0,0]}}` : `{"t":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      return assemble(text, data, rng.chance(0.8) ? undefined : rng.int(100));
    }
    default: {
      // many entries
      const count = rng.pick([1000, 10_000]);
      const many: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) many[`t${i}`] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
      return assemble(JSON.stringify(many), data);
    }
  }
  return assemble(JSON.stringify(parsed), data, rng.chance(0.9) ? undefined : rng.pick([0, 2 ** 53, 2 ** 64 - 1, header.length + 1]));
}

export const safetensors: Target = {
  name: 'safetensors',
  errors: ['SafetensorsError'],
  extension: '.safetensors',
  seeds: seedsOf,
  special: jsonMutation,
  /** Sets the header length to where the JSON object really ends, if it can be found. */
  fixup(bytes) {
    if (bytes.length < 8) return bytes;
    const end = bytes.lastIndexOf(0x7d); // '}'
    if (end < 8) return bytes;
    const out = bytes.slice();
    new DataView(out.buffer).setBigUint64(0, BigInt(end - 7), true);
    return out;
  },
  parse: (bytes, file) => parseSafetensors(bytes, file),
};
