/** The torchaudio golden fixture (test/fixtures/gen_dsp.py) and the FSDD recordings it names. */
import { readFileSync } from 'node:fs';
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

export { maxDbError, readFsdd } from './fsdd';
