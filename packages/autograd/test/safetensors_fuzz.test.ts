/**
 * Regressions found by the fuzz campaign (fuzz/main.ts): a deeply nested shape crashed the
 * parser with a RangeError, and names from the header reached error messages unescaped.
 */
import { describe, expect, it } from 'vitest';
import { parseSafetensors, SafetensorsError } from '../src/safetensors';

function file(header: string, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function message(bytes: Uint8Array): string {
  try {
    parseSafetensors(bytes, 'w.safetensors');
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    return (error as Error).message;
  }
  throw new Error('expected a SafetensorsError');
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('safetensors fuzz regressions', () => {
  it('a shape nested 10,000 deep is a SafetensorsError, not a stack overflow', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(message(file(`{"t":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`))).toBe(
      "w.safetensors: not a valid safetensors file for Duet: tensor 't' has a bad shape an array of 1 items (nested)",
    );
  });

  it('a tensor name holding a terminal escape is printed escaped', () => {
    const text = message(file('{"\\u001b[2J":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}', new Uint8Array(2)));
    expect(text).toBe(`w.safetensors: not a valid safetensors file for Duet: tensor '\\u001b[2J' has dtype "F16"; only F32 is supported`);
  });

  it('a metadata key holding a line break stays on one line', () => {
    expect(message(file('{"__metadata__":{"a\\nb":3}}'))).toBe('w.safetensors: not a valid safetensors file for Duet: __metadata__.a\\nb is not a string');
  });

  it('a header that is not JSON is described without its raw bytes', () => {
    expect(message(file('{"a":\0\0}'))).not.toMatch(CONTROL);
  });

  it('a 5,000-character name is shortened in the message', () => {
    const text = message(file(`{"${'w'.repeat(5000)}":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, new Uint8Array(2)));
    expect(text).toMatch(/tensor 'w{76}\.\.\.' has dtype "F16"/);
    expect(text.length).toBeLessThan(200);
  });
});
