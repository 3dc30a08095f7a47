/**
 * The fusion report's figures, as pure functions of probabilities (N, C) and labels: accuracy,
 * NLL, ECE, confusion matrices per method, and the disagreement table (how the two unimodal
 * models split the test pairs, and what each fusion chose in each case).
 */
import { argmax, checkRows, expectedCalibrationError, nll, type Calibration, type ProbRows } from './calibration';

/** Share of rows whose argmax is the label. */
export function accuracy(probs: ProbRows, labels: ArrayLike<number>): number {
  checkRows(probs, labels);
  return probs.filter((row, i) => argmax(row) === labels[i]).length / probs.length;
}

/** counts[true][predicted] (rows: the label, columns: the prediction). */
export function confusionMatrix(probs: ProbRows, labels: ArrayLike<number>, classes = probs[0]?.length ?? 10): number[][] {
  checkRows(probs, labels);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  probs.forEach((row, i) => m[labels[i]][argmax(row)]++);
  return m;
}

export interface MethodFigures {
  readonly accuracy: number;
  readonly nll: number;
  readonly calibration: Calibration;
  readonly confusion: number[][];
}

/** Accuracy, NLL, ECE (15 bins, with the reliability bins) and the confusion matrix of one method. */
export function methodFigures(probs: ProbRows, labels: ArrayLike<number>): MethodFigures {
  return { accuracy: accuracy(probs, labels), nll: nll(probs, labels), calibration: expectedCalibrationError(probs, labels), confusion: confusionMatrix(probs, labels) };
}

export const CASES = ['bothRight', 'onlyImage', 'onlyAudio', 'bothWrong'] as const;
export type Case = (typeof CASES)[number];

/** What a fusion answered in one case: the image's answer, the audio's, both (they agreed), another. */
export interface Choices {
  readonly correct: number;
  /** Fused argmax = the image model's (and not the audio model's). */
  readonly image: number;
  readonly audio: number;
  /** Fused argmax = both models' (they agreed). */
  readonly both: number;
  /** Neither model's answer. */
  readonly other: number;
}

export interface DisagreementTable {
  /** Rows in each case. */
  readonly counts: Readonly<Record<Case, number>>;
  /** Per fusion method, per case, what it chose. */
  readonly methods: Readonly<Record<string, Readonly<Record<Case, Choices>>>>;
}

/** Which case a row falls in, by the two unimodal predictions. */
export function caseOf(imagePrediction: number, audioPrediction: number, label: number): Case {
  const i = imagePrediction === label;
  const a = audioPrediction === label;
  return i && a ? 'bothRight' : i ? 'onlyImage' : a ? 'onlyAudio' : 'bothWrong';
}

/** The disagreement table of the image and audio models and each fusion (all on the same rows). */
export function disagreementTable(image: ProbRows, audio: ProbRows, labels: ArrayLike<number>, fused: Readonly<Record<string, ProbRows>>): DisagreementTable {
  checkRows(image, labels);
  checkRows(audio, labels);
  const cases = image.map((row, i) => caseOf(argmax(row), argmax(audio[i]), labels[i]));
  const counts = { bothRight: 0, onlyImage: 0, onlyAudio: 0, bothWrong: 0 };
  for (const c of cases) counts[c]++;
  const methods: Record<string, Record<Case, Choices>> = {};
  for (const [name, probs] of Object.entries(fused)) {
    checkRows(probs, labels);
    const table = Object.fromEntries(CASES.map((c) => [c, { correct: 0, image: 0, audio: 0, both: 0, other: 0 }])) as Record<Case, { -readonly [K in keyof Choices]: number }>;
    probs.forEach((row, i) => {
      const k = argmax(row);
      const [pi, pa] = [argmax(image[i]), argmax(audio[i])];
      const cell = table[cases[i]];
      if (k === labels[i]) cell.correct++;
      if (k === pi && k === pa) cell.both++;
      else if (k === pi) cell.image++;
      else if (k === pa) cell.audio++;
      else cell.other++;
    });
    methods[name] = table;
  }
  return { counts, methods };
}

const CASE_TITLES: Record<Case, string> = { bothRight: 'both right', onlyImage: 'only image right', onlyAudio: 'only audio right', bothWrong: 'both wrong' };

/** The table as markdown: one row per case, one column per method ("correct/rows (chose image/audio/other)"). */
export function disagreementMarkdown(table: DisagreementTable): string {
  const names = Object.keys(table.methods);
  const lines = [`| case | pairs | ${names.join(' | ')} |`, `|---|---:|${names.map(() => '---|').join('')}`];
  for (const c of CASES) {
    const n = table.counts[c];
    const cells = names.map((m) => {
      const x = table.methods[m][c];
      return `${x.correct}/${n} right (image ${x.image}, audio ${x.audio}, other ${x.other})`;
    });
    lines.push(`| ${CASE_TITLES[c]} | ${n} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** One point of the robustness curves: every method's accuracy under one condition. */
export interface RobustnessPoint {
  readonly id: string;
  readonly curve: string;
  readonly x: number | null;
  /** Method name -> accuracy on the test pairs under this condition. */
  readonly accuracy: Readonly<Record<string, number>>;
}

/**
 * The robustness curves' points from each condition's probabilities per method (the same
 * labels throughout); conditions keep their order, methods their order within a condition.
 */
export function robustnessPoints(
  conditions: readonly { readonly id: string; readonly curve: string; readonly x: number | null }[],
  probs: Readonly<Record<string, Readonly<Record<string, ProbRows>>>>,
  labels: ArrayLike<number>,
): RobustnessPoint[] {
  return conditions.map(({ id, curve, x }) => {
    const methods = probs[id];
    if (!methods) throw new Error(`no predictions for condition '${id}'`);
    return { id, curve, x, accuracy: Object.fromEntries(Object.entries(methods).map(([m, p]) => [m, accuracy(p, labels)])) };
  });
}

/** The points as a markdown table: one row per condition, one column per method, accuracy in %. */
export function robustnessMarkdown(points: readonly RobustnessPoint[]): string {
  const names = [...new Set(points.flatMap((p) => Object.keys(p.accuracy)))];
  const lines = [`| condition | ${names.join(' | ')} |`, `|---|${names.map(() => '---:|').join('')}`];
  for (const p of points) lines.push(`| ${p.id} | ${names.map((m) => (m in p.accuracy ? (100 * p.accuracy[m]).toFixed(2) : '')).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}
