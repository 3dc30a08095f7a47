/**
 * `duet mel <file.wav> --out <file.npy>`: the log-mel (or mel) spectrogram of one recording,
 * computed on the GPU by @duet/dsp with torchaudio's MelSpectrogram/AmplitudeToDB defaults, saved
 * as a little-endian float32 NumPy array of shape (n_mels, frames).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MelSpectrogram, frameCount } from '@duet/dsp';
import { fromData, free, toData } from '@duet/kernels';
import { CliError } from '../errors';
import { addAdapterOption, withGpu } from '../gpu';
import { encodeNpy } from '../npy';
import { addMelOptions, melConfigFrom, readWav, type MelOptions } from '../mel_options';
import { runCommand } from '../run';

interface MelCommandOptions extends MelOptions {
  out: string;
}

export function registerMel(program: Command): void {
  const command = program
    .command('mel')
    .description("mel spectrogram of one WAV on the GPU, saved as .npy (n_mels, frames); torchaudio's defaults")
    .argument('<file.wav>', 'the recording (PCM 8/16/24/32-bit or float; several channels are averaged)')
    .requiredOption('--out <file.npy>', 'where to write the float32 array');
  addMelOptions(command);
  addAdapterOption(command).action((file: string, options: MelCommandOptions) =>
    runCommand(async () => {
      const samples = readWav(file);
      const config = melConfigFrom(options);
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
