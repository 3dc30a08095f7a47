/** The results panel: per-sense and fused probabilities as meters, the weights and the decision. */
import type { DigitPrediction } from './model';

function bars(list: HTMLOListElement, labels: readonly string[], probs: readonly number[] | null): void {
  list.replaceChildren(
    ...labels.map((label, i) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = label;
      const meter = document.createElement('meter');
      meter.min = 0;
      meter.max = 1;
      meter.value = probs ? probs[i] : 0;
      const value = document.createElement('span');
      value.textContent = probs ? probs[i].toFixed(3) : '–';
      item.append(name, meter, value);
      return item;
    }),
  );
}

export interface ResultsView {
  readonly decision: HTMLElement;
  readonly image: HTMLOListElement;
  readonly audio: HTMLOListElement;
  readonly fused: HTMLOListElement;
  readonly weights: HTMLElement;
}

/** Shows a prediction, or empty bars (with `note` as the decision line) when there is none. */
export function showResults(view: ResultsView, labels: readonly string[], prediction: DigitPrediction | null, note = '–'): void {
  bars(view.image, labels, prediction?.image ?? null);
  bars(view.audio, labels, prediction?.audio ?? null);
  bars(view.fused, labels, prediction?.fused ?? null);
  view.decision.textContent = prediction ? labels[prediction.digit] : note;
  view.weights.textContent = prediction?.weights
    ? `Attention weights: image ${prediction.weights.image.toFixed(3)}, audio ${prediction.weights.audio.toFixed(3)}`
    : `Attention weights: –${prediction ? ' (this model has no attention)' : ''}`;
}
