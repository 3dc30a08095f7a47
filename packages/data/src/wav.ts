/**
 * WAV (RIFF/WAVE) decoding to a mono Float32Array, and a small encoder. Pure: no `node:` imports,
 * so a browser page can decode the same files. Every malformed input ends in a `WavError` whose
 * message names the file; sizes read from the file are never trusted beyond the file's length.
 */
import { WavError } from './errors';

export { WavError } from './errors';

/** What the `fmt ` chunk declared, after resolving WAVE_FORMAT_EXTENSIBLE to its subformat. */
export type WavFormat = 'pcm' | 'float';

export interface DecodedWav {
  sampleRate: number;
  /** Channels in the file; `samples` is their average. */
  channels: number;
  /** (frames,) the channels mixed to mono by averaging; integer formats lie in [-1, 1). */
  samples: Float32Array;
  format: WavFormat;
  /** Bits per sample of the container (24 for packed 24-bit, 32 for float). */
  bitsPerSample: number;
  /** Problems that did not stop decoding (a truncated data chunk, a partial last frame). */
  warnings: string[];
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const MAX_SAMPLE_RATE = 1_000_000;
const MAX_CHANNELS = 64;
/** Bytes 2..15 of the KSDATAFORMAT_SUBTYPE_* GUIDs (the first two hold the format tag). */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const KNOWN_TAGS: Record<number, string> = { 0x0002: 'MS ADPCM', 0x0006: 'A-law', 0x0007: 'mu-law', 0x0011: 'IMA ADPCM', 0x0055: 'MPEG layer 3' };

interface FmtChunk {
  format: WavFormat;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** A chunk id as printable text (binary garbage shows as escapes, never as control characters). */
function printable(id: string): string {
  // JSON escapes C0 controls; DEL and the C1 range (bytes 0x7f-0x9f) need escaping too.
  return JSON.stringify(id).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function parseFmt(view: DataView, at: number, size: number, fileName: string): FmtChunk {
  if (size < 16) throw new WavError(fileName, `fmt chunk is ${size} bytes, needs at least 16`);
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw new WavError(fileName, `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, needs 40`);
    const guid = at + 24;
    const tail = SUBFORMAT_GUID_TAIL.every((b, i) => view.getUint8(guid + 2 + i) === b);
    tag = view.getUint16(guid, true);
    if (!tail || (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT)) {
      throw new WavError(fileName, 'unsupported WAVE_FORMAT_EXTENSIBLE subformat (only PCM and IEEE float are supported)');
    }
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
    const known = KNOWN_TAGS[tag] ? ` (${KNOWN_TAGS[tag]})` : '';
    throw new WavError(fileName, `unsupported format tag 0x${tag.toString(16).padStart(4, '0')}${known}; only PCM and IEEE float are supported`);
  }
  const format: WavFormat = tag === WAVE_FORMAT_PCM ? 'pcm' : 'float';
  const depths = format === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!depths.includes(bitsPerSample)) {
    throw new WavError(fileName, `unsupported bit depth ${bitsPerSample} for ${format === 'pcm' ? 'PCM' : 'IEEE float'} (supported: ${depths.join(', ')})`);
  }
  if (channels === 0 || channels > MAX_CHANNELS) throw new WavError(fileName, `${channels} channels (supported: 1 to ${MAX_CHANNELS})`);
  if (sampleRate === 0 || sampleRate > MAX_SAMPLE_RATE) throw new WavError(fileName, `sample rate ${sampleRate} Hz is not plausible (1 Hz to 1 MHz)`);
  const frameBytes = (channels * bitsPerSample) / 8;
  if (blockAlign !== frameBytes) {
    throw new WavError(fileName, `block align ${blockAlign} does not match ${channels} channels x ${bitsPerSample} bits (${frameBytes} bytes)`);
  }
  return { format, channels, sampleRate, blockAlign, bitsPerSample };
}

/** Reads one sample as a float; integer PCM is scaled to [-1, 1). */
function sampleReader(fmt: FmtChunk, view: DataView): (at: number) => number {
  switch (fmt.format === 'float' ? -fmt.bitsPerSample : fmt.bitsPerSample) {
    case 8:
      return (at) => (view.getUint8(at) - 128) / 128; // 8-bit WAV is unsigned, centred on 128
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => (((view.getUint8(at + 2) << 24) | (view.getUint8(at + 1) << 16) | (view.getUint8(at) << 8)) >> 8) / 8388608;
    case 32:
      return (at) => view.getInt32(at, true) / 2147483648;
    case -32:
      return (at) => view.getFloat32(at, true);
    default:
      return (at) => view.getFloat64(at, true);
  }
}

/**
 * Decodes a RIFF/WAVE file: PCM 8 (unsigned)/16/24/32-bit or IEEE float 32/64-bit, any channel
 * count up to 64 (mixed to mono by averaging), WAVE_FORMAT_EXTENSIBLE with a PCM/float subformat.
 * Unknown chunks are skipped (odd sizes are padded to even, as RIFF requires); a wrong RIFF size
 * field is ignored because chunks are walked to the real end of the file.
 * bytes: the whole file -> samples: (frames,)
 */
export function decodeWav(bytes: Uint8Array, fileName: string): DecodedWav {
  if (bytes.length < 12) throw new WavError(fileName, `not a WAV file (${bytes.length} bytes, too short for a RIFF header)`);
  const riff = fourcc(bytes, 0);
  if (riff === 'RIFX' || riff === 'RF64') throw new WavError(fileName, `${riff} files are not supported (only little-endian RIFF)`);
  if (riff !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') throw new WavError(fileName, 'not a WAV file (no RIFF/WAVE header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const warnings: string[] = [];
  let fmt: FmtChunk | undefined;
  let data: { at: number; size: number; declared: number } | undefined;

  let pos = 12;
  while (pos + 8 <= bytes.length && !(fmt && data)) {
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    const remaining = bytes.length - body;
    if (id === 'fmt ') {
      if (size > remaining) throw new WavError(fileName, `fmt chunk declares ${size} bytes but only ${remaining} remain in the file`);
      fmt ??= parseFmt(view, body, size, fileName);
    } else if (id === 'data') {
      // Streaming writers leave the size 0 or 0xFFFFFFFF; either way the file's end bounds it.
      data = { at: body, size: Math.min(size, remaining), declared: size };
    } else if (size > remaining) {
      throw new WavError(fileName, `chunk ${printable(id)} at byte ${pos} declares ${size} bytes but only ${remaining} remain in the file`);
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new WavError(fileName, 'missing fmt chunk');
  if (!data) throw new WavError(fileName, 'missing data chunk');

  const frames = Math.floor(data.size / fmt.blockAlign);
  if (data.declared > data.size) {
    const what = `data chunk declares ${data.declared} bytes but the file holds ${data.size}`;
    if (frames === 0) throw new WavError(fileName, `truncated: ${what}, not one whole frame`);
    warnings.push(`truncated: ${what}; decoded the ${frames} whole frames present`);
  } else if (frames * fmt.blockAlign !== data.size) {
    warnings.push(`data chunk of ${data.size} bytes ends in a partial frame; ignored its last ${data.size - frames * fmt.blockAlign} bytes`);
  }

  const read = sampleReader(fmt, view);
  const bytesPerSample = fmt.bitsPerSample / 8;
  const samples = new Float32Array(frames); // (frames,) bounded by the file length, not by a header field
  for (let f = 0; f < frames; f++) {
    const frameAt = data.at + f * fmt.blockAlign;
    let sum = 0;
    for (let c = 0; c < fmt.channels; c++) sum += read(frameAt + c * bytesPerSample);
    if (!Number.isFinite(sum)) {
      throw new WavError(fileName, `frame ${f} holds a ${Number.isNaN(sum) ? 'NaN' : 'infinite'} float sample`);
    }
    samples[f] = sum / fmt.channels;
  }
  return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples, format: fmt.format, bitsPerSample: fmt.bitsPerSample, warnings };
}

/** Sample encodings `encodeWav` writes: 16-bit PCM or 32-bit IEEE float. */
export type WavEncoding = 16 | '32f';

/**
 * Encodes mono samples as a canonical 44-byte-header WAV. 16-bit PCM clamps to [-1, 1] and
 * rounds to k/32768, so decodeWav(encodeWav(x)) returns x exactly when x is already on that grid.
 * samples: (frames,) -> bytes
 */
export function encodeWav(samples: Float32Array | number[], sampleRate: number, bitsPerSample: WavEncoding = 16): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > MAX_SAMPLE_RATE) {
    throw new WavError('encodeWav', `sample rate ${sampleRate} Hz is not plausible (1 Hz to 1 MHz)`);
  }
  const isFloat = bitsPerSample === '32f';
  const bytesPerSample = isFloat ? 4 : 2;
  const dataSize = samples.length * bytesPerSample;
  const out = new Uint8Array(44 + dataSize);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => [...text].forEach((ch, i) => (out[at + i] = ch.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataSize, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * bytesPerSample, true);
  view.setUint16(32, bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  ascii(36, 'data');
  view.setUint32(40, dataSize, true);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (!Number.isFinite(x)) throw new WavError('encodeWav', `sample ${i} is ${x}`);
    if (isFloat) view.setFloat32(44 + 4 * i, x, true);
    else view.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true);
  }
  return out;
}
