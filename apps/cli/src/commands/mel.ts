/**
 * `duet mel <file.wav> --out <file.npy>`: the log-mel (or mel) spectrogram of one recording,
 * computed on the GPU by @duet/dsp with torchaudio's MelSpectrogram/AmplitudeToDB defaults, saved
 * as a little-endian float32 NumPy array of shape (n_mels, frames).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { decodeWav } from '@duet/data';
import { MelSpectrogram, frameCount, type MelSpectrogramConfig } from '@duet/dsp';
import { fromData, free, toData } from '@duet/kernels';
import { CliError } from '../errors';
import { addAdapterOption, withGpu } from '../gpu';
import { runCommand } from '../run';

interface MelOptions {
  out: string;
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

function positiveInt(value: string): number {
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

/** A NumPy .npy file (format 1.0): float32, little-endian, C order. */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Array.from(header, (c) => c.charCodeAt(0)), 10);
  // Float32Array is little-endian on every platform Node runs on here; write it explicitly anyway.
  const view = new DataView(out.buffer, total);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

function readWav(file: string): Float32Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: cannot read (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code ?? 'error'})`);
  }
  const wav = decodeWav(bytes, file);
  for (const warning of wav.warnings) process.stderr.write(`duet: warning: ${file}: ${warning}\n`);
  if (wav.samples.length === 0) throw new CliError(`${file}: holds no samples`);
  return wav.samples;
}

export function registerMel(program: Command): void {
  const command = program
    .command('mel')
    .description("mel spectrogram of one WAV on the GPU, saved as .npy (n_mels, frames); torchaudio's defaults")
    .argument('<file.wav>', 'the recording (PCM 8/16/24/32-bit or float; several channels are averaged)')
    .requiredOption('--out <file.npy>', 'where to write the float32 array')
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
  addAdapterOption(command).action((file: string, options: MelOptions) =>
    runCommand(async () => {
      const samples = readWav(file);
      const config: Partial<MelSpectrogramConfig> = {
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
      const db = options.db || options.topDb !== undefined;
      await withGpu(options, async (ctx) => {
        let transform: MelSpectrogram;
        try {
          transform = new MelSpectrogram(ctx, config);
        } catch (error) {
          throw new CliError(`bad mel settings: ${(error as Error).message}`);
        }
        if (transform.warning) process.stderr.write(`duet: warning: ${transform.warning}\n`);
        const { center, nFft, pad } = transform.config;
        if (center && samples.length + 2 * pad <= Math.floor(nFft / 2)) {
          throw new CliError(`${file}: ${samples.length} samples is too short for --n-fft ${nFft} (reflect padding needs more than ${Math.floor(nFft / 2)})`);
        }
        if (!center && samples.length + 2 * pad < nFft) throw new CliError(`${file}: ${samples.length} samples is shorter than --n-fft ${nFft} (--no-center)`);
        const clips = fromData(ctx, samples, [1, samples.length], 'clips'); // (1, samples)
        const stype = options.power === 1 ? 'magnitude' : 'power';
        const mel = transform.forward(clips, db ? { stype, topDb: options.topDb ?? null } : false); // (1, nMels, frames)
        const frames = frameCount(samples.length, transform.config);
        const values = await toData(ctx, mel);
        try {
          writeFileSync(options.out, encodeNpy(values, [transform.config.nMels, frames]));
        } catch (error) {
          throw new CliError(`${options.out}: cannot write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
        }
        free(ctx, clips);
        free(ctx, mel);
        transform.dispose();
        process.stdout.write(`${options.out}: (${transform.config.nMels}, ${frames}) float32 ${db ? 'log-mel (dB)' : 'mel'}\n`);
      });
    }),
  );
}
