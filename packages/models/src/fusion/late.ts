/**
 * Late fusion on the host: the two unimodal models' probabilities (N, C) combined per sample.
 * Rules: average, weighted average (weight fitted on validation), normalised product, maximum
 * confidence, majority vote with a confidence tie-break, a learned combiner (logistic
 * regression on the 2C log-probabilities) and the disagreement rule (when the argmaxes differ,
 * trust the modality whose temperature-calibrated confidence is higher). Pure TS, float64.
 * A missing modality (null) leaves every rule with the other modality's probabilities; so does,
 * per row, a sense that reliability.ts finds absent (a blank image, a silent clip), and noisy
 * audio enters every rule flattened by its SNR gate when the fit has one.
 */
import { Rng } from '@duet/autograd';
import { applyTemperature, argmax, checkRows, fitTemperature, logRow, nll, softmaxRow, type ProbRows } from './calibration';
import { gateValue, temperRows, type AudioGate, type RowReliability } from './reliability';

export const LATE_METHODS = ['average', 'weighted', 'product', 'max-confidence', 'vote', 'learned', 'disagreement'] as const;
export type LateMethod = (typeof LATE_METHODS)[number];

/** (p_a + p_b) / 2 per row. */
export function averageRule(a: ProbRows, b: ProbRows): number[][] {
  return weightedRule(a, b, 0.5);
}

/** w p_a + (1 - w) p_b per row. */
export function weightedRule(a: ProbRows, b: ProbRows, w: number): number[][] {
  return a.map((row, i) => row.map((p, c) => w * p + (1 - w) * b[i][c]));
}

/** p_a * p_b renormalised (in log space, so tiny probabilities do not underflow to 0/0). */
export function productRule(a: ProbRows, b: ProbRows): number[][] {
  return a.map((row, i) => {
    const la = logRow(row);
    const lb = logRow(b[i]);
    return softmaxRow(la.map((v, c) => v + lb[c]));
  });
}

/** Per row, the distribution of whichever model is more confident (a on ties). */
export function maxConfidenceRule(a: ProbRows, b: ProbRows): number[][] {
  return a.map((row, i) => [...(Math.max(...b[i]) > Math.max(...row) ? b[i] : row)]);
}

/**
 * Majority vote of any number of models: each votes for its argmax; the class with most votes
 * wins, a tie going to the tied class whose most confident voter is most confident. The output
 * is the mean distribution of the winner's voters (its argmax is the winner).
 */
export function voteRule(models: readonly ProbRows[]): number[][] {
  return models[0].map((_, i) => {
    const rows = models.map((m) => m[i]);
    const votes = new Map<number, number[]>();
    rows.forEach((row, m) => votes.set(argmax(row), [...(votes.get(argmax(row)) ?? []), m]));
    let winner = -1;
    let best = [-1, -1];
    for (const [cls, voters] of votes) {
      const key = [voters.length, Math.max(...voters.map((m) => rows[m][cls]))];
      if (key[0] > best[0] || (key[0] === best[0] && key[1] > best[1])) [winner, best] = [cls, key];
    }
    const voters = votes.get(winner)!;
    return rows[0].map((_, c) => voters.reduce((s, m) => s + rows[m][c], 0) / voters.length);
  });
}

/**
 * The disagreement rule on calibrated probabilities (softmax(log p / T) per modality): where the
 * two argmaxes agree, their mean; where they differ, the more confident modality's distribution.
 */
export function disagreementRule(a: ProbRows, b: ProbRows, temperatureA = 1, temperatureB = 1): number[][] {
  const ca = applyTemperature(a, temperatureA);
  const cb = applyTemperature(b, temperatureB);
  return ca.map((row, i) => {
    if (argmax(row) === argmax(cb[i])) return row.map((p, c) => (p + cb[i][c]) / 2);
    return Math.max(...cb[i]) > Math.max(...row) ? cb[i] : row;
  });
}

export interface WeightSearch {
  /** 'nll' (default): maximise the validation log-likelihood; 'accuracy': the accuracy, NLL breaking ties. */
  readonly objective?: 'nll' | 'accuracy';
  /** Grid step over w in [0, 1] (default 0.01). */
  readonly step?: number;
}

/** The weight w of model a in w p_a + (1 - w) p_b, by grid search on validation rows. */
export function fitWeight(a: ProbRows, b: ProbRows, labels: ArrayLike<number>, search: WeightSearch = {}): number {
  checkRows(a, labels);
  const steps = Math.round(1 / (search.step ?? 0.01));
  let best = { w: 0.5, acc: -1, loss: Infinity };
  for (let k = 0; k <= steps; k++) {
    const w = k / steps;
    const fused = weightedRule(a, b, w);
    const loss = nll(fused, labels);
    const acc = search.objective === 'accuracy' ? fused.filter((row, i) => argmax(row) === labels[i]).length : 0;
    if (acc > best.acc || (acc === best.acc && loss < best.loss)) best = { w, acc, loss };
  }
  return best.w;
}

/** A multinomial logistic regression on [log p_a, log p_b]: p = softmax(W x + b). */
export interface Combiner {
  /** (C, 2C), row-major rows. */
  readonly weight: readonly (readonly number[])[];
  /** (C) */
  readonly bias: readonly number[];
}

export interface CombinerOptions {
  /** Full-batch gradient-descent steps (default 300). */
  readonly steps?: number;
  readonly lr?: number;
  /** L2 penalty on the weights' distance from the product rule (default 1e-3). */
  readonly l2?: number;
  /** Seeds the small random perturbation of the initial weights. */
  readonly seed?: number;
}

/**
 * Trains the combiner on validation rows by gradient descent on the mean cross-entropy. It
 * starts from the product rule (W = [I I], b = 0, plus seeded noise of 0.01), so a few hundred
 * steps only learn how far to trust each modality per class.
 */
export function fitCombiner(a: ProbRows, b: ProbRows, labels: ArrayLike<number>, options: CombinerOptions = {}): Combiner {
  checkRows(a, labels);
  const classes = a[0].length;
  const rng = new Rng(options.seed ?? 0);
  const prior = (r: number, c: number) => (c % classes === r ? 1 : 0);
  const w = Array.from({ length: classes }, (_, r) => Array.from({ length: 2 * classes }, (_, c) => prior(r, c) + 0.01 * (rng.next() * 2 - 1)));
  const bias = new Array<number>(classes).fill(0);
  const xs = a.map((row, i) => [...logRow(row), ...logRow(b[i])]);
  const lr = options.lr ?? 0.1;
  const l2 = options.l2 ?? 1e-3;
  const n = xs.length;
  for (let step = 0; step < (options.steps ?? 300); step++) {
    const gw = w.map((row, r) => row.map((v, c) => l2 * (v - prior(r, c))));
    const gb = new Array<number>(classes).fill(0);
    xs.forEach((x, i) => {
      const p = softmaxRow(w.map((row, r) => bias[r] + row.reduce((s, v, c) => s + v * x[c], 0)));
      for (let r = 0; r < classes; r++) {
        const d = (p[r] - (r === labels[i] ? 1 : 0)) / n; // dLoss/dlogit_r
        gb[r] += d;
        for (let c = 0; c < x.length; c++) gw[r][c] += d * x[c];
      }
    });
    for (let r = 0; r < classes; r++) {
      bias[r] -= lr * gb[r];
      for (let c = 0; c < 2 * classes; c++) w[r][c] -= lr * gw[r][c];
    }
  }
  return { weight: w, bias };
}

// a, b: (N, C) -> (N, C)
export function combinerRule(combiner: Combiner, a: ProbRows, b: ProbRows): number[][] {
  return a.map((row, i) => {
    const x = [...logRow(row), ...logRow(b[i])];
    return softmaxRow(combiner.weight.map((w, r) => combiner.bias[r] + w.reduce((s, v, c) => s + v * x[c], 0)));
  });
}

/** Everything late fusion fits on validation rows, as the run saves it (JSON). */
export interface LateFusionFit {
  readonly temperatures: { readonly image: number; readonly audio: number };
  /** Weight of the image model in the weighted average. */
  readonly imageWeight: number;
  readonly combiner: Combiner;
  /** The audio's SNR gate (fitAudioGate); absent in fits written before it existed: no gating. */
  readonly audioGate?: AudioGate;
}

/** Fits temperatures, the weighted average's weight and the combiner on validation rows. */
export function fitLateFusion(
  image: ProbRows,
  audio: ProbRows,
  labels: ArrayLike<number>,
  options: { seed?: number; objective?: 'nll' | 'accuracy'; audioGate?: AudioGate } = {},
): LateFusionFit {
  return {
    ...(options.audioGate ? { audioGate: options.audioGate } : {}),
    temperatures: { image: fitTemperature(image, labels), audio: fitTemperature(audio, labels) },
    imageWeight: fitWeight(image, audio, labels, { objective: options.objective }),
    combiner: fitCombiner(image, audio, labels, { seed: options.seed }),
  };
}

/**
 * One late-fusion rule on the image and audio models' probabilities. With one modality missing
 * (null) every rule returns the other's probabilities (calibrated for 'disagreement'). With
 * `reliability`, per row: a sense marked absent is treated as missing (when both are absent the
 * rule runs on both: there is nothing better), and with the fit's audio gate and the rows' SNRs
 * the audio probabilities are tempered by the gate first.
 */
export function lateFuse(method: LateMethod, fit: LateFusionFit, image: ProbRows | null, audio: ProbRows | null, reliability: RowReliability = {}): number[][] {
  const snr = reliability.audioSnrDb;
  const gatedAudio = audio && fit.audioGate && snr ? temperRows(audio, snr.map((s) => gateValue(fit.audioGate!, s))) : audio;
  const fused = fuseRows(method, fit, image, gatedAudio);
  const { imagePresent, audioPresent } = reliability;
  if (!image || !gatedAudio || (!imagePresent && !audioPresent)) return fused;
  let imageOnly: number[][] | null = null;
  let audioOnly: number[][] | null = null;
  return fused.map((row, i) => {
    const hasImage = imagePresent?.[i] ?? true;
    const hasAudio = audioPresent?.[i] ?? true;
    if (hasImage === hasAudio) return row;
    if (hasImage) return (imageOnly ??= fuseRows(method, fit, image, null))[i];
    return (audioOnly ??= fuseRows(method, fit, null, gatedAudio))[i];
  });
}

function fuseRows(method: LateMethod, fit: LateFusionFit, image: ProbRows | null, audio: ProbRows | null): number[][] {
  if (!image && !audio) throw new Error('late fusion needs at least one modality');
  if (!image || !audio) {
    const [only, t] = image ? [image, fit.temperatures.image] : [audio!, fit.temperatures.audio];
    return method === 'disagreement' ? applyTemperature(only, t) : only.map((row) => [...row]);
  }
  if (image.length !== audio.length) throw new Error(`late fusion: ${image.length} image rows and ${audio.length} audio rows`);
  switch (method) {
    case 'average': return averageRule(image, audio);
    case 'weighted': return weightedRule(image, audio, fit.imageWeight);
    case 'product': return productRule(image, audio);
    case 'max-confidence': return maxConfidenceRule(image, audio);
    case 'vote': return voteRule([image, audio]);
    case 'learned': return combinerRule(fit.combiner, image, audio);
    case 'disagreement': return disagreementRule(image, audio, fit.temperatures.image, fit.temperatures.audio);
  }
}
