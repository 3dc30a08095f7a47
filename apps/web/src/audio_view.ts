/**
 * The audio front end of the page on the GPU: a clip is resampled to the model's rate
 * (@duet/dsp's resample kernel) and turned into a log-mel spectrogram (@duet/dsp's
 * MelSpectrogram: STFT, mel filterbank and AmplitudeToDB kernels), then both are drawn.
 */
import type { GpuContext } from '@duet/gpu';
import { MelSpectrogram, resample } from '@duet/dsp';
import { free, fromData, toData } from '@duet/kernels';
import type { AudioPreprocessing } from '@duet/models';
import type { Clip } from './audio';

/** A clip at the model's rate and its log-mel spectrogram (nMels, frames), row-major. */
export interface Analysis {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly mel: { readonly shape: readonly [number, number]; readonly data: Float32Array };
}

export class AudioFrontEnd {
  private readonly mel: MelSpectrogram;

  constructor(private readonly ctx: GpuContext, readonly pre: AudioPreprocessing) {
    this.mel = new MelSpectrogram(ctx, pre.mel);
  }

  /** clip at any rate -> samples at pre.sampleRate and their mel spectrogram in dB. */
  async analyse(clip: Clip): Promise<Analysis> {
    const { ctx } = this;
    const rate = this.pre.sampleRate;
    // The STFT pads by reflection, which needs more than nFft / 2 samples: short clips get zeros.
    const minSamples = Math.floor(this.pre.mel.nFft / 2) + 1;
    const source = clip.samples.length >= 1 ? clip.samples : new Float32Array(1);
    const x = fromData(ctx, source, [1, source.length], 'web.clip');
    const resampled = resample(ctx, x, clip.sampleRate, rate); // (1, samples')
    free(ctx, x);
    let samples = await toData(ctx, resampled);
    free(ctx, resampled);
    if (samples.length < minSamples) {
      const padded = new Float32Array(minSamples);
      padded.set(samples);
      samples = padded;
    }
    const wave = fromData(ctx, samples, [1, samples.length], 'web.wave');
    const mel = this.mel.forward(wave, this.pre.db ?? false); // (1, nMels, frames)
    free(ctx, wave);
    const data = await toData(ctx, mel);
    free(ctx, mel);
    return { samples, sampleRate: rate, mel: { shape: [mel.shape[1], mel.shape[2]], data } };
  }

  dispose(): void {
    this.mel.dispose();
  }
}

/** Min/max of each pixel column, centred on the canvas's middle line. */
export function drawWaveform(canvas: HTMLCanvasElement, samples: Float32Array): void {
  const g = canvas.getContext('2d')!;
  const { width, height } = canvas;
  g.fillStyle = '#111';
  g.fillRect(0, 0, width, height);
  if (!samples.length) return;
  let peak = 1e-6;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  g.strokeStyle = '#6cf';
  g.beginPath();
  for (let x = 0; x < width; x++) {
    const from = Math.floor((x * samples.length) / width), to = Math.max(from + 1, Math.floor(((x + 1) * samples.length) / width));
    let lo = Infinity, hi = -Infinity;
    for (let i = from; i < Math.min(to, samples.length); i++) {
      lo = Math.min(lo, samples[i]);
      hi = Math.max(hi, samples[i]);
    }
    if (lo > hi) continue;
    g.moveTo(x + 0.5, height / 2 - (hi / peak) * (height / 2 - 2));
    g.lineTo(x + 0.5, height / 2 - (lo / peak) * (height / 2 - 2) + 1);
  }
  g.stroke();
}

/** The spectrogram with low frequencies at the bottom, the top 80 dB mapped onto a dark-to-bright ramp. */
export function drawMel(canvas: HTMLCanvasElement, mel: Analysis['mel']): void {
  const g = canvas.getContext('2d')!;
  const [mels, frames] = mel.shape;
  let max = -Infinity;
  for (const v of mel.data) max = Math.max(max, v);
  const image = g.createImageData(frames, mels);
  for (let m = 0; m < mels; m++) {
    for (let t = 0; t < frames; t++) {
      const level = Math.min(1, Math.max(0, (mel.data[m * frames + t] - (max - 80)) / 80));
      image.data.set(ramp(level), 4 * ((mels - 1 - m) * frames + t));
    }
  }
  // Drawn at its own size, then scaled onto the canvas.
  const sheet = document.createElement('canvas');
  sheet.width = frames;
  sheet.height = mels;
  sheet.getContext('2d')!.putImageData(image, 0, 0);
  g.imageSmoothingEnabled = false;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.drawImage(sheet, 0, 0, canvas.width, canvas.height);
}

/** Black, purple, orange, pale yellow (a magma-like ramp), RGBA. */
function ramp(t: number): [number, number, number, number] {
  const stops: [number, number, number][] = [[0, 0, 4], [80, 18, 123], [182, 54, 121], [251, 136, 97], [252, 253, 191]];
  const x = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f, 255];
}
