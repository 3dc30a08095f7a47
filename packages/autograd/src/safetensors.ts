/**
 * safetensors, the format PyTorch and Hugging Face use to move weights without code execution:
 * an 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape,
 * data_offsets: [begin, end]}, __metadata__?: {string: string}}, then the raw data (offsets
 * relative to its start). Pure functions over bytes: the parser trusts nothing in the file.
 * Duet keeps float32 state only, so any other dtype is refused.
 */
import type { HostTensor } from './nn/module';

/** A file that is not valid safetensors, or holds what Duet does not read; names the file. */
export class SafetensorsError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: not a valid safetensors file for Duet: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

export interface Safetensors {
  readonly tensors: Map<string, HostTensor>;
  /** The free-form string map under __metadata__ (empty when absent). */
  readonly metadata: Record<string, string>;
}

/** Largest header accepted (as the reference Rust implementation: 100 MB). */
const MAX_HEADER = 100_000_000;

/**
 * A value from the file as short, one-line, printable text for an error message: names may hold
 * line breaks or terminal escapes, and a shape may be an array nested 100,000 deep (which
 * JSON.stringify cannot print without overflowing the stack).
 */
function show(value: unknown): string {
  let text: string;
  if (Array.isArray(value)) {
    const flat = value.length <= 16 && value.every((v) => v === null || typeof v !== 'object');
    text = flat ? JSON.stringify(value) : `an array of ${value.length} items${value.some((v) => typeof v === 'object' && v !== null) ? ' (nested)' : ''}`;
  } else if (typeof value === 'object' && value !== null) text = 'an object';
  else text = JSON.stringify(value) ?? String(value);
  text = text.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A tensor or metadata name from the file, quoted as `'name'` with anything unprintable escaped. */
function quote(name: string): string {
  const text = show(name); // '"name"' or '"long nam...'
  return `'${text.endsWith('...') ? text.slice(1) : text.slice(1, -1)}'`;
}

/** Parses and validates safetensors bytes; `file` names the source in errors. */
export function parseSafetensors(bytes: Uint8Array, file = '<bytes>'): Safetensors {
  const fail = (detail: string): never => {
    throw new SafetensorsError(file, detail);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it`);
  if (headerLength > MAX_HEADER) fail(`header length ${headerLength} exceeds the ${MAX_HEADER}-byte limit`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    fail(`header is not UTF-8 JSON (${show((error as Error).message)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${quote(k).slice(1, -1)} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) fail(`entry ${quote(name)} is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (dtype !== 'F32') fail(`tensor ${quote(name)} has dtype ${show(dtype)}; only F32 is supported`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${quote(name)} has a bad shape ${show(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor ${quote(name)} has bad data_offsets ${show(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataLength) fail(`tensor ${quote(name)} spans bytes [${begin}, ${end}) outside the ${dataLength} data bytes`);
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== numel * 4) fail(`tensor ${quote(name)} has ${end - begin} bytes for shape ${show(shape)} (${numel * 4} expected)`);
    entries.push({ name, shape: shape as number[], begin, end });
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < byOffset.length; i++) {
    const [prev, next] = [byOffset[i - 1], byOffset[i]];
    if (next.begin < prev.end) fail(`tensors ${quote(prev.name)} and ${quote(next.name)} overlap`);
  }
  const tensors = new Map<string, HostTensor>();
  for (const { name, shape, begin, end } of entries) {
    // A copy: the data may sit at an offset that is not 4-byte aligned.
    const data = new Float32Array(bytes.slice(dataStart + begin, dataStart + end).buffer);
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}

/** Serialises tensors (in the given order, data packed back to back) and optional metadata. */
export function serializeSafetensors(tensors: Iterable<[string, HostTensor]>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: HostTensor[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error('safetensors: a tensor cannot be named __metadata__');
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error(`safetensors: '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
    parts.push(t);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces to a multiple of 8 so the data starts aligned (as the spec allows).
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of parts) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
