/**
 * Calibration on the host: probabilities as rows (N, C), temperature scaling fitted on a
 * validation set, negative log-likelihood and the expected calibration error. Pure TS, float64.
 */

/** N rows of C class probabilities (each row sums to 1). */
export type ProbRows = readonly (readonly number[])[];

/** Smallest probability taken into a log: keeps log(0) finite for one-hot or underflowed rows. */
export const MIN_PROB = 1e-12;

/** The index of the largest value (the first on ties, as argmax on the GPU). */
export function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

// logits: (C) -> (C)
/** softmax(logits / temperature), shifted by the max for stability. */
export function softmaxRow(logits: readonly number[], temperature = 1): number[] {
  const scaled = logits.map((z) => z / temperature);
  const top = Math.max(...scaled);
  const e = scaled.map((z) => Math.exp(z - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** log p, with p clamped at MIN_PROB. */
export function logRow(row: readonly number[]): number[] {
  return row.map((p) => Math.log(Math.max(p, MIN_PROB)));
}

// probs: (N, C) -> (N, C)
/** Temperature scaling of probabilities: softmax(log p / T), the same as scaling the logits. */
export function applyTemperature(probs: ProbRows, temperature: number): number[][] {
  return probs.map((row) => softmaxRow(logRow(row), temperature));
}

/** Mean negative log-likelihood of the labels. */
export function nll(probs: ProbRows, labels: ArrayLike<number>): number {
  checkRows(probs, labels);
  let total = 0;
  for (let i = 0; i < probs.length; i++) total -= Math.log(Math.max(probs[i][labels[i]], MIN_PROB));
  return total / probs.length;
}

export interface TemperatureSearch {
  /** Range of T searched (default 0.05 .. 20). */
  readonly min?: number;
  readonly max?: number;
  /** Golden-section iterations (default 60: the bracket in log T shrinks to ~1e-12 of its width). */
  readonly iterations?: number;
}

/**
 * The temperature minimising the validation NLL of softmax(log p / T), by golden-section search
 * over log T (the NLL is convex in 1/T, so unimodal in log T).
 */
export function fitTemperature(probs: ProbRows, labels: ArrayLike<number>, search: TemperatureSearch = {}): number {
  checkRows(probs, labels);
  const logs = probs.map(logRow);
  const loss = (logT: number) => {
    const t = Math.exp(logT);
    let total = 0;
    for (let i = 0; i < logs.length; i++) {
      const z = logs[i].map((v) => v / t);
      const top = Math.max(...z);
      const lse = top + Math.log(z.reduce((a, v) => a + Math.exp(v - top), 0));
      total += lse - z[labels[i]];
    }
    return total / logs.length;
  };
  let lo = Math.log(search.min ?? 0.05);
  let hi = Math.log(search.max ?? 20);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = loss(x1);
  let f2 = loss(x2);
  for (let k = 0; k < (search.iterations ?? 60); k++) {
    if (f1 <= f2) {
      hi = x2;
      [x2, f2] = [x1, f1];
      x1 = hi - g * (hi - lo);
      f1 = loss(x1);
    } else {
      lo = x1;
      [x1, f1] = [x2, f2];
      x2 = lo + g * (hi - lo);
      f2 = loss(x2);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** One confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Confidences in (lo, hi] (the first bin also takes 0). */
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** Share of the bin's predictions that are right (0 when empty). */
  readonly accuracy: number;
  /** Mean confidence of the bin's predictions (0 when empty). */
  readonly confidence: number;
}

export interface Calibration {
  /** Expected calibration error: sum over bins of |accuracy - confidence| * count / N. */
  readonly ece: number;
  readonly bins: readonly ReliabilityBin[];
}

/** ECE with equal-width confidence bins (15, as in Guo et al. 2017) and the reliability diagram. */
export function expectedCalibrationError(probs: ProbRows, labels: ArrayLike<number>, bins = 15): Calibration {
  checkRows(probs, labels);
  const count = new Array<number>(bins).fill(0);
  const right = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  probs.forEach((row, i) => {
    const k = argmax(row);
    const c = row[k];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[b]++;
    conf[b] += c;
    if (k === labels[i]) right[b]++;
  });
  let ece = 0;
  const out = count.map((n, b) => {
    const accuracy = n ? right[b] / n : 0;
    const confidence = n ? conf[b] / n : 0;
    ece += (Math.abs(accuracy - confidence) * n) / Math.max(probs.length, 1);
    return { lo: b / bins, hi: (b + 1) / bins, count: n, accuracy, confidence };
  });
  return { ece, bins: out };
}

export function checkRows(probs: ProbRows, labels: ArrayLike<number>): void {
  if (probs.length !== labels.length) throw new Error(`${probs.length} probability rows for ${labels.length} labels`);
  if (probs.length === 0) throw new Error('no rows: calibration needs at least one prediction');
}
