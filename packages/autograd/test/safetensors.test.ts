import { describe, expect, it } from 'vitest';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from '../src/safetensors';

/** Bytes of a safetensors file with a hand-made header (as another writer would produce it). */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('safetensors', () => {
  it('round-trips tensors, shapes, order and metadata', () => {
    const tensors = new Map([
      ['0.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['0.bias', { shape: [2], data: Float32Array.from([0.25, -1e-7]) }],
      ['scalar', { shape: [], data: Float32Array.from([3]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = serializeSafetensors(tensors, { epoch: '3' });
    // The header is padded so the data starts 8-byte aligned.
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const parsed = parseSafetensors(bytes);
    expect([...parsed.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      expect(parsed.tensors.get(name)!.shape).toEqual(t.shape);
      expect([...parsed.tensors.get(name)!.data]).toEqual([...t.data]);
    }
    expect(parsed.metadata).toEqual({ epoch: '3' });
  });

  it('reads a file written by another writer (unpadded header, unaligned data)', () => {
    const parsed = parseSafetensors(file({ b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1, 2, 3), '{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} '));
    expect([...parsed.tensors.get('a')!.data]).toEqual([1, 2]);
    expect([...parsed.tensors.get('b')!.data]).toEqual([3]);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /too short/],
    ['header longer than the file', (() => { const b = file({}); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; })(), /header length 1000 exceeds/],
    ['huge header length', (() => { const b = file({}); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b; })(), /header length \d+ exceeds/],
    ['header not JSON', file(null, undefined, '{"a": '), /not UTF-8 JSON/],
    ['header not an object', file([1, 2]), /not a JSON object/],
    ['dtype F16', file({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /'w' has dtype "F16"; only F32/],
    ['dtype I64', file({ n: { dtype: 'I64', shape: [], data_offsets: [0, 8] } }, new Uint8Array(8)), /'n' has dtype "I64"/],
    ['negative dim', file({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /bad shape/],
    ['offsets past the data', file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), /outside the 4 data bytes/],
    ['offsets reversed', file({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)), /outside/],
    ['size disagrees with shape', file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)), /8 bytes for shape \[3\]/],
    ['overlapping tensors', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(1, 2, 3)), /'a' and 'b' overlap/],
    ['metadata not strings', file({ __metadata__: { epoch: 3 } }), /__metadata__.epoch is not a string/],
    ['offsets not integers', file({ w: { dtype: 'F32', shape: [1], data_offsets: [0.5, 4.5] } }, f32(1, 2)), /bad data_offsets/],
  ];
  it.each(bad)('rejects a malformed file: %s', (_, bytes, message) => {
    let error: unknown;
    try {
      parseSafetensors(bytes, 'weights.safetensors');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toMatch(/^weights\.safetensors: /);
    expect((error as Error).message).toMatch(message);
  });
});
