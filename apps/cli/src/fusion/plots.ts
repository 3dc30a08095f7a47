/** The fusion report's figures (vega-lite -> PNG): robustness curves, reliability diagrams. */
import type { TopLevelSpec } from 'vega-lite';
import type { MethodFigures, RobustnessPoint } from '@duet/models';
import { vegaLiteToPng } from '../plot/render';

/** Curves with a numeric x (SNR, sigma, occluded %), one panel each; accuracy per method. */
export function robustnessSpec(points: readonly RobustnessPoint[], title: string): TopLevelSpec {
  const rows = points.filter((p) => p.x !== null).flatMap((p) => Object.entries(p.accuracy).map(([method, accuracy]) => ({ curve: p.curve, x: p.x, method, accuracy })));
  return {
    title,
    data: { values: rows },
    facet: { field: 'curve', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 300,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'level (dB SNR, noise sigma or % occluded)' },
        y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } },
        color: { field: 'method', type: 'nominal' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
}

/** Accuracy per method under the conditions without a level (clean, blank, missing). */
export function conditionsSpec(points: readonly RobustnessPoint[], title: string): TopLevelSpec {
  const rows = points.filter((p) => p.x === null).flatMap((p) => Object.entries(p.accuracy).map(([method, accuracy]) => ({ condition: p.id, method, accuracy })));
  return {
    title,
    data: { values: rows },
    width: 420,
    height: 220,
    mark: 'bar',
    encoding: {
      x: { field: 'condition', type: 'nominal', title: null },
      xOffset: { field: 'method' },
      y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] } },
      color: { field: 'method', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** Reliability diagram: accuracy against mean confidence per non-empty bin, one line per method. */
export function calibrationSpec(methods: Readonly<Record<string, MethodFigures>>, title: string): TopLevelSpec {
  const rows = Object.entries(methods).flatMap(([method, f]) =>
    f.calibration.bins.filter((b) => b.count > 0).map((b) => ({ method: `${method} (ECE ${(100 * f.calibration.ece).toFixed(1)}%)`, confidence: b.confidence, accuracy: b.accuracy })),
  );
  return {
    title,
    width: 360,
    height: 300,
    layer: [
      { data: { values: [{ v: 0 }, { v: 1 }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 4] }, encoding: { x: { field: 'v', type: 'quantitative' }, y: { field: 'v', type: 'quantitative' } } },
      {
        data: { values: rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'confidence', type: 'quantitative', title: 'confidence', scale: { domain: [0, 1] } },
          y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } },
          color: { field: 'method', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
}

export const robustnessPng = (points: readonly RobustnessPoint[], title: string) => vegaLiteToPng(robustnessSpec(points, title));
export const conditionsPng = (points: readonly RobustnessPoint[], title: string) => vegaLiteToPng(conditionsSpec(points, title));
export const calibrationPng = (methods: Readonly<Record<string, MethodFigures>>, title: string) => vegaLiteToPng(calibrationSpec(methods, title));
