/**
 * `duet predict --model FILE [--image digit.png] [--audio digit.wav] [--json]`: runs a bundle
 * written by `duet export` on a user's own inputs, through the same inference path as the page
 * (@duet/models BundlePredictor). Images of any size, dark-on-light or light-on-dark, become
 * MNIST-style 28x28 (decodeImage + mnistStyle); WAVs at any rate are resampled to the model's.
 * Prints each sense's probabilities, the attention weights, the fused probabilities and the
 * decision, or with --json one document {image, audio, fused, weights, digit}.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeImage, decodeWav, mnistStyle } from '@duet/data/node';
import { BundlePredictor, decodeBundle, type Clip, type Prediction } from '@duet/models';
import { CliError } from '../errors';
import { addAdapterOption, withGpu } from '../gpu';
import { runCommand } from '../run';

interface PredictOptions {
  model: string;
  image?: string;
  audio?: string;
  json?: boolean;
  adapter?: string;
}

function readInput(file: string, option: string): Uint8Array {
  if (!existsSync(file)) throw new CliError(`${option} ${file}: no such file`);
  if (!statSync(file).isFile()) throw new CliError(`${option} ${file}: not a file`);
  return new Uint8Array(readFileSync(file));
}

/** Input errors of the decoders become one-line bad-input errors (exit 2). */
function asInputError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new CliError((error as Error).message.split('\n')[0]);
  }
}

/** The JSON document of --json. */
export function predictionJson(p: Prediction): { image: number[] | null; audio: number[] | null; fused: number[]; weights: { image: number; audio: number } | null; digit: number } {
  return { image: p.image, audio: p.audio, fused: p.fused, weights: p.weights, digit: p.digit };
}

function formatProbs(name: string, probs: readonly number[] | null, labels: readonly string[]): string {
  if (!probs) return `${name.padEnd(7)} -\n`;
  const top = probs.indexOf(Math.max(...probs));
  return `${name.padEnd(7)} ${probs.map((p, i) => `${labels[i]}:${p.toFixed(3)}`).join(' ')}  -> ${labels[top]} (${(100 * probs[top]).toFixed(1)} %)\n`;
}

export function registerPredict(program: Command): void {
  const command = program
    .command('predict')
    .description('recognise a digit from an image, a WAV or both with a bundle written by duet export')
    .requiredOption('--model <file>', 'the bundle (duet export --out)')
    .option('--image <file>', 'a PNG or JPEG of one digit, any size, dark ink on light or light on dark')
    .option('--audio <file>', 'a WAV of one spoken digit, any sample rate (resampled to the model\'s)')
    .option('--json', 'print one JSON document {image, audio, fused, weights, digit}');
  addAdapterOption(command).action((o: PredictOptions) =>
    runCommand(async () => {
      if (!o.image && !o.audio) throw new CliError('give --image FILE, --audio FILE or both');
      const bundle = decodeBundle(readInput(o.model, '--model'), o.model);
      const { config } = bundle;
      if (o.image && !config.image) throw new CliError(`${o.model}: an audio-only model (${config.audio!.model}) cannot read --image`);
      if (o.audio && !config.audio) throw new CliError(`${o.model}: an image-only model (${config.image!.model}) cannot hear --audio`);
      let image: Uint8Array | null = null;
      if (o.image) {
        const bytes = readInput(o.image, '--image');
        const style = mnistStyle(asInputError(() => decodeImage(bytes, o.image!)));
        if (!style) throw new CliError(`${o.image}: no ink found (the image is blank)`);
        image = style.pixels;
      }
      let audio: Clip | null = null;
      if (o.audio) {
        const bytes = readInput(o.audio, '--audio');
        const wav = asInputError(() => decodeWav(bytes, o.audio!));
        if (wav.samples.length === 0) throw new CliError(`${o.audio}: the WAV holds no samples`);
        audio = { samples: wav.samples, sampleRate: wav.sampleRate };
      }
      const prediction = await withGpu({ adapter: o.adapter }, async (ctx) => {
        const predictor = new BundlePredictor(ctx, bundle);
        try {
          return await predictor.predict({ image, audio });
        } finally {
          predictor.dispose();
        }
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(predictionJson(prediction))}\n`);
        return;
      }
      const { labels } = config;
      const models = config.ensemble ? `ensemble of ${config.ensemble.members.map((m) => m.model).join(', ')}, ${config.ensemble.rule}` : [config.image?.model, config.audio?.model].filter(Boolean).join(' + ');
      process.stdout.write(`model   ${config.kind} (${models})\n`);
      prediction.members?.forEach((p, i) => process.stdout.write(formatProbs(`member${i}`, p, labels)));
      process.stdout.write(formatProbs('image', prediction.image, labels));
      process.stdout.write(formatProbs('audio', prediction.audio, labels));
      if (prediction.weights) process.stdout.write(`weights image ${prediction.weights.image.toFixed(3)}, audio ${prediction.weights.audio.toFixed(3)}\n`);
      process.stdout.write(formatProbs('fused', prediction.fused, labels));
      process.stdout.write(`digit   ${labels[prediction.digit]}\n`);
    }),
  );
}
