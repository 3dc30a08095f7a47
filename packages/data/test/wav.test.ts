import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, WavError } from '../src/wav';

const FSDD = resolve(__dirname, '../../../../shared/data/fsdd/recordings');

interface Spec {
  tag?: number;
  channels?: number;
  sampleRate?: number;
  bits?: number;
  blockAlign?: number;
  /** Wrap the format in WAVE_FORMAT_EXTENSIBLE with this subformat tag. */
  extensible?: number;
  data: Uint8Array;
  dataSize?: number;
  riffSize?: number;
  before?: Uint8Array[];
  omitFmt?: boolean;
  omitData?: boolean;
}

function chunk(id: string, body: Uint8Array, declared = body.length): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, declared, true);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** Builds a WAV file from raw fields, so each test can get exactly one thing wrong. */
function buildWav(spec: Spec): Uint8Array {
  const channels = spec.channels ?? 1;
  const bits = spec.bits ?? 16;
  const fmt = new Uint8Array(spec.extensible ? 40 : 16);
  const v = new DataView(fmt.buffer);
  v.setUint16(0, spec.extensible ? 0xfffe : (spec.tag ?? 1), true);
  v.setUint16(2, channels, true);
  v.setUint32(4, spec.sampleRate ?? 8000, true);
  v.setUint32(8, (spec.sampleRate ?? 8000) * channels * (bits / 8), true);
  v.setUint16(12, spec.blockAlign ?? channels * (bits / 8), true);
  v.setUint16(14, bits, true);
  if (spec.extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint32(20, channels === 2 ? 3 : 4, true);
    v.setUint16(24, spec.extensible, true);
    fmt.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }
  const parts = [...(spec.before ?? [])];
  if (!spec.omitFmt) parts.push(chunk('fmt ', fmt));
  if (!spec.omitData) parts.push(chunk('data', spec.data, spec.dataSize));
  const body = concat(parts);
  const header = new Uint8Array(12);
  header.set([0x52, 0x49, 0x46, 0x46], 0);
  new DataView(header.buffer).setUint32(4, spec.riffSize ?? 4 + body.length, true);
  header.set([0x57, 0x41, 0x56, 0x45], 8);
  return concat([header, body]);
}

function bytesOf(n: number, write: (v: DataView) => void): Uint8Array {
  const out = new Uint8Array(n);
  write(new DataView(out.buffer));
  return out;
}

function expectWavError(bytes: Uint8Array, pattern: RegExp): void {
  let caught: unknown;
  try {
    decodeWav(bytes, 'bad.wav');
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WavError);
  const message = (caught as WavError).message;
  expect((caught as WavError).name).toBe('WavError');
  expect(message.startsWith('bad.wav: ')).toBe(true);
  expect(message).not.toContain('\n');
  expect(message).toMatch(pattern);
}

describe('decodeWav: sample formats', () => {
  it('8-bit PCM is unsigned, centred on 128', () => {
    const wav = decodeWav(buildWav({ bits: 8, data: Uint8Array.from([0, 128, 255, 64]) }), 'a.wav');
    expect(Array.from(wav.samples)).toEqual([-1, 0, 127 / 128, -0.5]);
    expect(wav).toMatchObject({ format: 'pcm', bitsPerSample: 8, channels: 1, sampleRate: 8000 });
  });

  it('16-bit PCM', () => {
    const data = bytesOf(6, (v) => [-32768, 16384, 32767].forEach((x, i) => v.setInt16(2 * i, x, true)));
    expect(Array.from(decodeWav(buildWav({ data }), 'a.wav').samples)).toEqual([-1, 0.5, 32767 / 32768]);
  });

  it('24-bit PCM, with sign extension', () => {
    const data = Uint8Array.from([0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0x40]);
    const wav = decodeWav(buildWav({ bits: 24, data }), 'a.wav');
    expect(Array.from(wav.samples)).toEqual([-1, 8388607 / 8388608, -1 / 8388608, 0.5]);
  });

  it('32-bit PCM', () => {
    const data = bytesOf(8, (v) => (v.setInt32(0, -2147483648, true), v.setInt32(4, 1073741824, true)));
    expect(Array.from(decodeWav(buildWav({ bits: 32, data }), 'a.wav').samples)).toEqual([-1, 0.5]);
  });

  it('32-bit and 64-bit IEEE float, kept as written (no clipping)', () => {
    const f32 = bytesOf(8, (v) => (v.setFloat32(0, 0.25, true), v.setFloat32(4, -1.5, true)));
    const a = decodeWav(buildWav({ tag: 3, bits: 32, data: f32 }), 'a.wav');
    expect(a).toMatchObject({ format: 'float', bitsPerSample: 32 });
    expect(Array.from(a.samples)).toEqual([0.25, -1.5]);
    const f64 = bytesOf(16, (v) => (v.setFloat64(0, 0.125, true), v.setFloat64(8, -0.75, true)));
    expect(Array.from(decodeWav(buildWav({ tag: 3, bits: 64, data: f64 }), 'a.wav').samples)).toEqual([0.125, -0.75]);
  });

  it('mixes stereo and 3-channel audio to mono by averaging', () => {
    const stereo = bytesOf(8, (v) => [16384, -16384, 8192, 8192].forEach((x, i) => v.setInt16(2 * i, x, true)));
    const a = decodeWav(buildWav({ channels: 2, data: stereo }), 'a.wav');
    expect(a.channels).toBe(2);
    expect(Array.from(a.samples)).toEqual([0, 0.25]);
    const three = bytesOf(12, (v) => [0.3, 0.6, 0.9].forEach((x, i) => v.setFloat32(4 * i, x, true)));
    const b = decodeWav(buildWav({ tag: 3, bits: 32, channels: 3, data: three }), 'a.wav');
    expect(b.samples.length).toBe(1);
    expect(b.samples[0]).toBeCloseTo(0.6, 6);
  });

  it('WAVE_FORMAT_EXTENSIBLE with PCM and float subformats', () => {
    const pcm = bytesOf(4, (v) => (v.setInt16(0, 16384, true), v.setInt16(2, 0, true)));
    expect(Array.from(decodeWav(buildWav({ extensible: 1, channels: 2, data: pcm }), 'a.wav').samples)).toEqual([0.25]);
    const flt = bytesOf(4, (v) => v.setFloat32(0, -0.5, true));
    const b = decodeWav(buildWav({ extensible: 3, bits: 32, data: flt }), 'a.wav');
    expect(b.format).toBe('float');
    expect(Array.from(b.samples)).toEqual([-0.5]);
  });
});

describe('decodeWav: container tolerance', () => {
  const data = bytesOf(4, (v) => (v.setInt16(0, 8192, true), v.setInt16(2, -8192, true)));

  it('skips unknown chunks, padding odd sizes to even', () => {
    const odd = chunk('LIST', Uint8Array.from([1, 2, 3])); // 3-byte body + 1 pad byte
    const junk = chunk('junk', new Uint8Array(10));
    const wav = decodeWav(buildWav({ data, before: [odd, junk] }), 'a.wav');
    expect(Array.from(wav.samples)).toEqual([0.25, -0.25]);
    expect(wav.warnings).toEqual([]);
  });

  it('ignores a wrong RIFF size field when the data is there', () => {
    for (const riffSize of [0, 10, 0xffffffff]) {
      expect(Array.from(decodeWav(buildWav({ data, riffSize }), 'a.wav').samples)).toEqual([0.25, -0.25]);
    }
  });

  it('decodes the whole frames of a truncated data chunk and says so', () => {
    const wav = decodeWav(buildWav({ data, dataSize: 1000 }), 'a.wav');
    expect(Array.from(wav.samples)).toEqual([0.25, -0.25]);
    expect(wav.warnings[0]).toMatch(/truncated: data chunk declares 1000 bytes but the file holds 4/);
    const streamed = decodeWav(buildWav({ data, dataSize: 0xffffffff }), 'a.wav');
    expect(streamed.samples.length).toBe(2);
  });

  it('drops a partial last frame with a warning', () => {
    const wav = decodeWav(buildWav({ data: Uint8Array.from([0, 64, 0]) }), 'a.wav');
    expect(Array.from(wav.samples)).toEqual([0.5]);
    expect(wav.warnings[0]).toMatch(/partial frame/);
  });
});

describe('decodeWav: malformed files throw WavError naming the file', () => {
  const data = new Uint8Array(8);
  it.each([
    ['too short', new Uint8Array(5), /too short/],
    ['not RIFF', new TextEncoder().encode('OggS0000WAVEfmt '), /no RIFF\/WAVE header/],
    ['not WAVE', (() => { const b = buildWav({ data }); b.set([0x41, 0x56, 0x49, 0x20], 8); return b; })(), /no RIFF\/WAVE header/],
    ['RIFX', (() => { const b = buildWav({ data }); b[3] = 0x58; return b; })(), /RIFX files are not supported/],
    ['no fmt', buildWav({ data, omitFmt: true }), /missing fmt chunk/],
    ['no data', buildWav({ data, omitData: true }), /missing data chunk/],
    ['A-law', buildWav({ tag: 6, bits: 8, data }), /unsupported format tag 0x0006 \(A-law\)/],
    ['unknown tag', buildWav({ tag: 0x1234, data }), /unsupported format tag 0x1234/],
    ['12-bit PCM', buildWav({ bits: 12, blockAlign: 2, data }), /unsupported bit depth 12 for PCM/],
    ['16-bit float', buildWav({ tag: 3, bits: 16, data }), /unsupported bit depth 16 for IEEE float/],
    ['extensible ADPCM', buildWav({ extensible: 2, data }), /unsupported WAVE_FORMAT_EXTENSIBLE subformat/],
    ['0 Hz', buildWav({ sampleRate: 0, data }), /sample rate 0 Hz/],
    ['2 MHz', buildWav({ sampleRate: 2_000_000, data }), /sample rate 2000000 Hz/],
    ['0 channels', buildWav({ channels: 0, blockAlign: 0, data }), /0 channels/],
    ['65 channels', buildWav({ channels: 65, data: new Uint8Array(130) }), /65 channels/],
    ['bad block align', buildWav({ channels: 2, blockAlign: 3, data }), /block align 3 does not match/],
    ['truncated, no whole frame', buildWav({ bits: 32, data: new Uint8Array(2), dataSize: 4000 }), /truncated: data chunk declares 4000 bytes but the file holds 2, not one whole frame/],
    ['chunk beyond the file', buildWav({ data, before: [chunk('LIST', new Uint8Array(4), 1 << 30)] }), /chunk "LIST" at byte 12 declares 1073741824 bytes but only 44 remain/],
    ['fmt beyond the file', (() => { const b = buildWav({ data, omitData: true }); new DataView(b.buffer).setUint32(16, 400, true); return b; })(), /fmt chunk declares 400 bytes but only 16 remain/],
  ])('%s', (_, bytes, pattern) => expectWavError(bytes, pattern));

  it('NaN and infinite float samples', () => {
    expectWavError(buildWav({ tag: 3, bits: 32, data: bytesOf(8, (v) => v.setFloat32(4, Number.NaN, true)) }), /frame 1 holds a NaN float sample/);
    expectWavError(buildWav({ tag: 3, bits: 64, data: bytesOf(8, (v) => v.setFloat64(0, Number.POSITIVE_INFINITY, true)) }), /frame 0 holds a infinite float sample/);
  });

  it('random corruption of valid files ends in a WavError or a decode, never another error', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const originals = [
      encodeWav(Float32Array.from({ length: 37 }, (_, i) => Math.sin(i)), 8000),
      buildWav({ extensible: 3, bits: 32, channels: 2, data: new Uint8Array(24), before: [chunk('LIST', new Uint8Array(5))] }),
      buildWav({ bits: 24, channels: 3, data: new Uint8Array(27) }),
    ];
    let decoded = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = originals[trial % originals.length].slice(0, 12 + Math.floor(rand() * 80));
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      try {
        const wav = decodeWav(bytes, 'fuzz.wav');
        expect(wav.samples.length * wav.channels * (wav.bitsPerSample / 8)).toBeLessThanOrEqual(bytes.length);
        decoded++;
      } catch (error) {
        if (!(error instanceof WavError)) throw error;
        expect(error.message.startsWith('fuzz.wav: ')).toBe(true);
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});

describe('encodeWav', () => {
  it('16-bit round trip is exact on the k/32768 grid, and clamps', () => {
    const x = Float32Array.from([0, 0.5, -1, 12345 / 32768, 2, -3]);
    const wav = decodeWav(encodeWav(x, 16000, 16), 'x.wav');
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, format: 'pcm' });
    expect(Array.from(wav.samples)).toEqual([0, 0.5, -1, 12345 / 32768, 32767 / 32768, -1]);
  });

  it('32-bit float round trip is exact', () => {
    const x = Float32Array.from([0.1, -0.7, 1.25]);
    expect(decodeWav(encodeWav(x, 8000, '32f'), 'x.wav').samples).toEqual(x);
  });

  it('refuses NaN samples and bad sample rates', () => {
    expect(() => encodeWav([0, Number.NaN], 8000)).toThrow(WavError);
    expect(() => encodeWav([0], 0)).toThrow(/sample rate 0 Hz/);
  });
});

describe('decodeWav on FSDD recordings', () => {
  it('decodes every file as 8 kHz mono 16-bit with the documented lengths', () => {
    const names = readdirSync(FSDD).filter((n) => n.endsWith('.wav'));
    expect(names).toHaveLength(3000);
    let min = Infinity;
    let max = 0;
    for (const name of names) {
      const wav = decodeWav(readFileSync(join(FSDD, name)), name);
      expect(wav.sampleRate).toBe(8000);
      expect(wav.channels).toBe(1);
      expect(wav.bitsPerSample).toBe(16);
      expect(wav.warnings).toEqual([]);
      min = Math.min(min, wav.samples.length);
      max = Math.max(max, wav.samples.length);
    }
    expect([min, max]).toEqual([1148, 18262]);
  });

  it('matches the int16 values Python\'s wave module reads from 0_george_0.wav', () => {
    const wav = decodeWav(readFileSync(join(FSDD, '0_george_0.wav')), '0_george_0.wav');
    expect(Array.from(wav.samples.subarray(0, 6), (x) => x * 32768)).toEqual(GEORGE_0_HEAD);
  });
});

/** `wave.open('0_george_0.wav').readframes(6)` unpacked as '<6h' with Python 3. */
const GEORGE_0_HEAD = [-1489, -962, -606, 163, 1033, 1669];
