/** The torchaudio golden fixture (test/fixtures/gen_dsp.py) and the FSDD recordings it names. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface StftCase {
  nFft: number; winLength: number; hopLength: number; center: boolean; padMode: 'reflect' | 'constant'; pad: number; power: number;
  shape: number[]; values: number[];
}
export interface FbankCase {
  nFreqs: number; fMin: number; fMax: number; nMels: number; sampleRate: number; norm: 'none' | 'slaney'; melScale: 'htk' | 'slaney';
  values: number[];
}
export interface LogMelCase {
  name: string;
  config: { sampleRate: number; nFft: number; hopLength: number; nMels: number };
  signal?: number[];
  file?: string;
  samples?: number;
  firstSamples?: number[];
  shape: number[];
  db: number[];
}
export interface ResampleCase {
  origFreq: number; newFreq: number; signal: number[];
  /** torchaudio on the float32 signal (its filter in float32) and on the float64 signal. */
  values: number[]; values64: number[];
}

export interface Golden {
  versions: Record<string, string>;
  stft: { signal: number[]; cases: StftCase[] };
  fbanks: { cases: FbankCase[]; emptyCase: Omit<FbankCase, 'values'> & { empty: number[]; warning: string } };
  logMel: LogMelCase[];
  resample: ResampleCase[];
}

export const golden: Golden = JSON.parse(readFileSync(resolve(__dirname, 'fixtures/dsp_golden.json'), 'utf8'));

/** FSDD recordings live beside the repository (../shared/data), never in it. */
export const FSDD_DIR = resolve(__dirname, '../../../../shared/data/fsdd/recordings');

/**
 * Reads a mono PCM16 FSDD recording as torchaudio.load does (int16 / 32768). Returns null when
 * the data folder is absent; on CI that is a failure, not a skip.
 */
export function readFsdd(file: string): Float32Array | null {
  const path = resolve(FSDD_DIR, file);
  if (!existsSync(path)) {
    if (process.env.CI === 'true') throw new Error(`FSDD recording ${path} is missing (CI must have ../shared/data)`);
    console.warn(`dsp: ${path} not found; FSDD parity checks skipped`);
    return null;
  }
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Walk the RIFF chunks to 'data' (the FSDD files are plain 44-byte-header PCM16, but be safe).
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, bytes.length - offset - 8) / 2);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 8 + 2 * i, true) / 32768;
      return out;
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

/**
 * Largest |actual - expected| over the entries whose expected dB lies within `window` dB of
 * the clip's max (the acceptance criterion), and where it happens.
 */
export function maxDbError(actual: ArrayLike<number>, expected: ArrayLike<number>, window = 80): { max: number; at: number; compared: number } {
  let top = -Infinity;
  for (let i = 0; i < expected.length; i++) top = Math.max(top, expected[i]);
  let max = 0;
  let at = -1;
  let compared = 0;
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] < top - window) continue;
    compared++;
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= max)) {
      max = d;
      at = i;
    }
  }
  return { max, at, compared };
}
