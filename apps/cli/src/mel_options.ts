/**
 * The mel-spectrogram options shared by `duet mel` and `duet show` (torchaudio's names and
 * defaults), and reading a WAV for them.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { decodeWav } from '@duet/data';
import type { MelSpectrogramConfig } from '@duet/dsp';
import { CliError } from './errors';

export interface MelOptions {
  sampleRate: number;
  nFft: number;
  winLength?: number;
  hopLength?: number;
  nMels: number;
  fMin: number;
  fMax?: number;
  power: number;
  melScale: 'htk' | 'slaney';
  norm: 'none' | 'slaney';
  center: boolean;
  db?: boolean;
  topDb?: number;
  adapter?: string;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0');
  return n;
}

function positive(value: string): number {
  const n = nonNegative(value);
  if (n === 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return value as T;
  };
}

/** The bytes of a file, or one line naming it and why it cannot be read (exit 2). */
export function readWavFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: cannot read (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code ?? 'error'})`);
  }
}

/** Reads and decodes a WAV, or fails with one line naming the file (exit 2). */
export function readWav(file: string): Float32Array {
  const wav = decodeWav(readWavFile(file), file);
  for (const warning of wav.warnings) process.stderr.write(`duet: warning: ${file}: ${warning}\n`);
  if (wav.samples.length === 0) throw new CliError(`${file}: holds no samples`);
  return wav.samples;
}

/** Adds the mel options (torchaudio's MelSpectrogram/AmplitudeToDB defaults). */
export function addMelOptions(command: Command): Command {
  return command
    .option('--sample-rate <hz>', "the rate the filterbank assumes (torchaudio's default, whatever the file's own rate)", positiveInt, 16000)
    .option('--n-fft <n>', 'FFT size (any size)', positiveInt, 400)
    .option('--win-length <n>', 'Hann window length (default: n-fft)', positiveInt)
    .option('--hop-length <n>', 'samples between frames (default: win-length / 2)', positiveInt)
    .option('--n-mels <n>', 'mel filters', positiveInt, 128)
    .option('--f-min <hz>', 'lowest filter edge', nonNegative, 0)
    .option('--f-max <hz>', 'highest filter edge (default: sample-rate / 2)', positive)
    .option('--power <p>', '2 for power, 1 for magnitude', positive, 2)
    .option('--mel-scale <scale>', 'htk or slaney', oneOf(['htk', 'slaney'] as const), 'htk')
    .option('--norm <norm>', 'none or slaney (area normalisation)', oneOf(['none', 'slaney'] as const), 'none')
    .option('--no-center', 'do not pad n-fft/2 (reflect) at both ends; frames start at sample 0')
    .option('--db', 'convert to decibels (AmplitudeToDB: 10 log10 for power, 20 log10 for --power 1)')
    .option('--top-db <db>', 'with --db: floor at the max minus this many dB (implies --db)', nonNegative);
}

/** The MelSpectrogram configuration the options describe. */
export function melConfigFrom(options: MelOptions): Partial<MelSpectrogramConfig> {
  return {
    sampleRate: options.sampleRate,
    nFft: options.nFft,
    winLength: options.winLength,
    hopLength: options.hopLength,
    nMels: options.nMels,
    fMin: options.fMin,
    fMax: options.fMax ?? null,
    power: options.power,
    melScale: options.melScale,
    norm: options.norm,
    center: options.center,
  };
}
