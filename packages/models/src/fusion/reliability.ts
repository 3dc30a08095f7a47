/**
 * How much each sense of one sample can be believed, measured on the input itself, for late
 * fusion. Two failures of the evaluation motivated it:
 * - a blank image (no ink) carries no evidence, yet mnist-cnn answers it with confidence, and
 *   every late rule followed it (25-65 % on the image-blank check where audio alone had 72-91 %);
 *   a clip of silence is the same on the other side. Such a sense is treated as missing.
 * - audio buried in noise (0 dB) still gets confident wrong answers from the audio model; the
 *   rules then pulled the fused answer below the image model's alone. The clip's own SNR,
 *   estimated from its frames, sets a per-sample reliability g in (0, 1]; the audio
 *   probabilities enter the rules as softmax(g log p): unchanged when clean, flattened toward
 *   uniform (no vote) as the noise rises. The gate is fitted on validation pairs with noise
 *   added, for the fusion: the gate that makes image x gated audio most likely (fitAudioGate).
 * Pure TS, float64, no GPU.
 */
import { sortedFrameRms } from '../preprocessing';
import { checkRows, logRow, softmaxRow, type ProbRows } from './calibration';

/** An image whose pixels (on [0, 1]) span less than this is blank: a page of one shade, no digit. */
export const INK_CONTRAST = 0.1;
/** A clip whose peak is below this (-80 dBFS) is silence. */
export const SILENCE_PEAK = 1e-4;

// pixels: (H*W,) on [0, 1]
export function imageHasInk(pixels: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    lo = Math.min(lo, pixels[i]);
    hi = Math.max(hi, pixels[i]);
  }
  return hi - lo >= INK_CONTRAST;
}

// wave: (T,)
export function clipHasSound(wave: ArrayLike<number>): boolean {
  for (let i = 0; i < wave.length; i++) if (Math.abs(wave[i]) >= SILENCE_PEAK) return true;
  return false;
}

/** The SNR estimate never exceeds this (a digitally silent background would give infinity). */
export const MAX_SNR_DB = 60;

/**
 * The clip's SNR as its frames show it: 20 log10 of the RMS of the loudest tenth of its 10 ms
 * frames over the RMS of the quietest tenth (speech peaks over background), capped at
 * MAX_SNR_DB. Computed on the clip as the model receives it (padded or cut). It needs no clean
 * reference, so it works on a user's recording; white noise at 0 dB over an FSDD clip padded to
 * 1 s reads about 10 dB (the speech frames are louder than the clip's mean).
 */
export function estimateSnrDb(wave: ArrayLike<number>): number {
  const rms = sortedFrameRms(wave);
  const frames = rms.length;
  if (frames < 2) return MAX_SNR_DB;
  const tenth = Math.max(1, Math.floor(frames / 10));
  const quiet = mean(rms.subarray(0, tenth));
  const loud = mean(rms.subarray(frames - tenth));
  if (loud === 0) return 0;
  if (quiet === 0) return MAX_SNR_DB;
  return Math.min(MAX_SNR_DB, 20 * Math.log10(loud / quiet));
}

function mean(values: Float64Array): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** The audio gate: g = sigmoid((snr - centerDb) / widthDb). */
export interface AudioGate {
  readonly centerDb: number;
  readonly widthDb: number;
}

export function gateValue(gate: AudioGate, snrDb: number): number {
  return 1 / (1 + Math.exp(-(snrDb - gate.centerDb) / gate.widthDb));
}

// probs: (N, C), g: (N) -> (N, C)
/** softmax(g log p) per row: g = 1 leaves a row as it is, g = 0 makes it uniform. */
export function temperRows(probs: ProbRows, g: ArrayLike<number>): number[][] {
  return probs.map((row, i) => (g[i] >= 1 ? [...row] : softmaxRow(logRow(row).map((v) => g[i] * v))));
}

/** Gate centres searched (dB) and widths: every SNR the report's curves use lies inside. */
const CENTERS_DB = Array.from({ length: 61 }, (_, k) => -20 + k);
const WIDTHS_DB = [0.5, 1, 2, 3, 5, 8];

/**
 * The gate minimising the NLL of the product of the image's and the gated audio's probabilities,
 * softmax(log p_image + g log p_audio), on validation pairs whose clips were recorded at several
 * SNRs (clean and with noise added). The objective is the fusion's, not the audio's own
 * calibration: audio right half the time is still better than uniform for the audio alone, but
 * next to an image that is right 99 times in 100 its confident wrong answers cost more than its
 * right ones add (found: fitted on the audio alone, the gate let 0 dB audio through). Grid
 * search; a tie keeps the first gate found (lowest centre, narrowest width): deterministic.
 */
export function fitAudioGate(probs: ProbRows, snrDb: ArrayLike<number>, labels: ArrayLike<number>, image: ProbRows): AudioGate {
  checkRows(probs, labels);
  checkRows(image, labels);
  if (snrDb.length !== probs.length) throw new Error(`fitAudioGate: ${snrDb.length} SNRs for ${probs.length} rows`);
  const logs = probs.map(logRow);
  const imageLogs = image.map(logRow);
  let best = { gate: { centerDb: CENTERS_DB[0], widthDb: WIDTHS_DB[0] }, loss: Infinity };
  for (const centerDb of CENTERS_DB) {
    for (const widthDb of WIDTHS_DB) {
      const gate = { centerDb, widthDb };
      let loss = 0;
      logs.forEach((row, i) => {
        const g = gateValue(gate, snrDb[i]);
        const z = row.map((v, c) => imageLogs[i][c] + g * v);
        const top = Math.max(...z);
        loss += top + Math.log(z.reduce((a, v) => a + Math.exp(v - top), 0)) - z[labels[i]];
      });
      if (loss < best.loss - 1e-9) best = { gate, loss };
    }
  }
  return best.gate;
}

/** Per-row reliability of the senses: presence (blank / silent = absent) and the audio's SNR. */
export interface RowReliability {
  readonly imagePresent?: readonly boolean[];
  readonly audioPresent?: readonly boolean[];
  readonly audioSnrDb?: readonly number[];
}
