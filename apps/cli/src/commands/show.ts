/**
 * `duet show <file.wav>… --out DIR`: the lab's look at a recording — for each file a PNG with
 * the waveform above its mel spectrogram in dB — and its vital numbers on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { decodeWav } from '@duet/data';
import { MelSpectrogram, frameCount } from '@duet/dsp';
import { fromData, free, toData } from '@duet/kernels';
import { CliError } from '../errors';
import { addAdapterOption, withGpu } from '../gpu';
import { addMelOptions, melConfigFrom, readWavFile, type MelOptions } from '../mel_options';
import { waveformMelPng } from '../plot/waveform_mel';
import { runCommand } from '../run';

interface ShowOptions extends MelOptions {
  out: string;
}

export function registerShow(program: Command): void {
  const command = program
    .command('show')
    .description('waveform and mel spectrogram (dB) of each WAV as a PNG, with sample rate, length and spectrogram shape')
    .argument('<files...>', 'one or more WAV files')
    .requiredOption('--out <dir>', 'folder for the PNG files (created if missing)');
  addMelOptions(command);
  addAdapterOption(command).action((files: string[], options: ShowOptions) =>
    runCommand(async () => {
      // Decode everything first: a bad file fails the command before any GPU work.
      const clips = files.map((file) => ({ file, wav: decodeWav(readWavFile(file), file) }));
      for (const { file, wav } of clips) if (wav.samples.length === 0) throw new CliError(`${file}: holds no samples`);
      try {
        mkdirSync(options.out, { recursive: true });
      } catch (error) {
        throw new CliError(`${options.out}: cannot create the folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      await withGpu(options, async (ctx) => {
        const transform = new MelSpectrogram(ctx, melConfigFrom(options));
        if (transform.warning) process.stderr.write(`duet: warning: ${transform.warning}\n`);
        const { nMels, hopLength } = transform.config;
        for (const { file, wav } of clips) {
          const samples = wav.samples;
          const input = fromData(ctx, samples, [1, samples.length], 'clip'); // (1, samples)
          const mel = transform.forward(input, { stype: options.power === 1 ? 'magnitude' : 'power', topDb: options.topDb ?? null }); // (1, nMels, frames)
          const frames = frameCount(samples.length, transform.config);
          const melDb = await toData(ctx, mel);
          free(ctx, input);
          free(ctx, mel);
          const png = join(options.out, `${basename(file).replace(/\.wav$/i, '')}.png`);
          // The time axis is the file's own; the filterbank assumes --sample-rate, as in the lab.
          writeFileSync(png, waveformMelPng({ title: basename(file), samples, sampleRate: wav.sampleRate, melDb, nMels, frames, hopSeconds: hopLength / wav.sampleRate }));
          const seconds = samples.length / wav.sampleRate;
          process.stdout.write(
            `${file}: ${wav.sampleRate} Hz, ${samples.length} samples, ${seconds.toFixed(3)} s, ` +
              `mel spectrogram (${nMels}, ${frames}) in dB -> ${png}\n`,
          );
        }
        transform.dispose();
      });
    }),
  );
}
