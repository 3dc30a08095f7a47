/** The training figures: loss and accuracy curves, and the confusion matrix. */
import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToPng } from './render';

export interface EpochMetrics {
  readonly epoch: number;
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_loss?: number | null;
  readonly test_acc?: number | null;
}

/** Loss (left) and accuracy (right) against epochs, train and test, like the lab's figure. */
export function curvesSpec(metrics: readonly EpochMetrics[], title: string): TopLevelSpec {
  const rows = metrics.flatMap((m) => [
    { epoch: m.epoch, split: 'train', loss: m.train_loss, accuracy: m.train_acc },
    ...(m.test_loss != null && m.test_acc != null ? [{ epoch: m.epoch, split: 'test', loss: m.test_loss, accuracy: m.test_acc }] : []),
  ]);
  const panel = (field: 'loss' | 'accuracy', label: string) => ({
    width: 320,
    height: 220,
    title: label,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field, type: 'quantitative' as const, title: label, scale: { zero: false } },
      color: { field: 'split', type: 'nominal' as const, title: null, scale: { domain: ['train', 'test'] } },
    },
  });
  return { title, data: { values: rows }, hconcat: [panel('loss', 'loss'), panel('accuracy', 'accuracy')] } as TopLevelSpec;
}

export function curvesPng(metrics: readonly EpochMetrics[], title: string): Promise<Buffer> {
  return vegaLiteToPng(curvesSpec(metrics, title));
}

/** Confusion matrix: rows are true labels, columns predictions, counts written in the cells. */
export function confusionSpec(matrix: readonly (readonly number[])[], labels: readonly string[], title: string): TopLevelSpec {
  const values = matrix.flatMap((row, t) => row.map((count, p) => ({ truth: labels[t], predicted: labels[p], count })));
  const max = Math.max(1, ...values.map((v) => v.count));
  return {
    title,
    width: 300,
    height: 300,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: [...labels], title: 'predicted' },
      y: { field: 'truth', type: 'ordinal', sort: [...labels], title: 'true' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', domain: [0, max] } } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}

export function confusionPng(matrix: readonly (readonly number[])[], labels: readonly string[], title: string): Promise<Buffer> {
  return vegaLiteToPng(confusionSpec(matrix, labels, title));
}
