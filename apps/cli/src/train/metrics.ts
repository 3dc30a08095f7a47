/**
 * Metrics from logits read back once per epoch: loss (float64 log-softmax), accuracy, the
 * confusion matrix and per-class accuracy. Shared by training and `duet eval`.
 */

export interface Summary {
  readonly count: number;
  readonly loss: number;
  readonly accuracy: number;
  /** confusion[truth][predicted] counts. */
  readonly confusion: number[][];
  /** Accuracy per true class (null for a class with no example). */
  readonly perClass: (number | null)[];
}

/** One line of metrics.jsonl. */
export interface EpochLine {
  readonly epoch: number;
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_loss: number;
  readonly test_acc: number;
  readonly seconds: number;
  readonly samples_per_s: number;
}

// logits: (N, C) row-major, labels: (N,) -> summary
export function summarize(logits: Float32Array, labels: ArrayLike<number>, classes: number): Summary {
  const n = labels.length;
  if (logits.length !== n * classes) throw new Error(`summarize: ${logits.length} logits for ${n} labels x ${classes} classes`);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    let best = 0;
    for (let c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(row[c] - row[best]);
    loss += Math.log(sum) + row[best] - row[labels[i]];
    confusion[labels[i]][best]++;
  }
  const correct = confusion.reduce((s, row, t) => s + row[t], 0);
  const perClass = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[t] / total : null;
  });
  return { count: n, loss: n ? loss / n : NaN, accuracy: n ? correct / n : NaN, confusion, perClass };
}

/** The eval report as text: accuracy, per-class accuracy, confusion matrix (rows: truth). */
export function formatSummary(s: Summary, labels: readonly string[]): string {
  const pct = (v: number | null) => (v === null ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`);
  const lines = [`accuracy ${pct(s.accuracy).trim()} (${Math.round(s.accuracy * s.count)}/${s.count}), loss ${s.loss.toFixed(4)}`, '', 'per class:'];
  labels.forEach((l, i) => lines.push(`  ${l.padEnd(4)} ${pct(s.perClass[i])}  (${s.confusion[i].reduce((a, b) => a + b, 0)} examples)`));
  const width = Math.max(4, ...s.confusion.flat().map((v) => String(v).length + 1));
  lines.push('', 'confusion matrix (rows: true label, columns: predicted):', `${'    '}${labels.map((l) => l.padStart(width)).join('')}`);
  s.confusion.forEach((row, i) => lines.push(`${labels[i].padEnd(4)}${row.map((v) => String(v).padStart(width)).join('')}`));
  return `${lines.join('\n')}\n`;
}
