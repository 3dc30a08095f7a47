import { Rng } from '@duet/autograd';
import { describe, expect, it } from 'vitest';
import { applyTemperature, argmax, expectedCalibrationError, fitTemperature, nll, softmaxRow } from '../src/fusion/calibration';
import { accuracy, confusionMatrix, disagreementMarkdown, disagreementTable, methodFigures, robustnessMarkdown, robustnessPoints } from '../src/fusion/evaluation';
import {
  averageRule, combinerRule, disagreementRule, fitCombiner, fitLateFusion, fitWeight, LATE_METHODS, lateFuse, maxConfidenceRule, productRule, voteRule,
} from '../src/fusion/late';

/** A label drawn from a distribution. */
function sample(p: readonly number[], rng: Rng): number {
  let u = rng.next();
  for (let c = 0; c < p.length; c++) if ((u -= p[c]) < 0) return c;
  return p.length - 1;
}

/**
 * A synthetic model: for n rows, logits with the true class boosted by `skill` on the classes
 * it knows (else random), labels uniform. Returns its probabilities.
 */
function model(labels: readonly number[], skill: number, knows: (c: number) => boolean, rng: Rng, says = (y: number) => y): number[][] {
  return labels.map((y) => softmaxRow(Array.from({ length: 10 }, (_, c) => rng.next() * 2 + (c === says(y) && knows(y) ? skill : 0))));
}

describe('calibration', () => {
  it('fits the temperature the labels were drawn with', () => {
    const rng = new Rng(1);
    const logits = Array.from({ length: 3000 }, () => Array.from({ length: 10 }, () => rng.next() * 6));
    const labels = logits.map((z) => sample(softmaxRow(z, 2.5), rng));
    const probs = logits.map((z) => softmaxRow(z));
    const t = fitTemperature(probs, labels);
    expect(t).toBeGreaterThan(2.2);
    expect(t).toBeLessThan(2.8);
    for (const dt of [-0.1, 0.1]) expect(nll(applyTemperature(probs, t + dt), labels)).toBeGreaterThan(nll(applyTemperature(probs, t), labels));
  });

  it('computes the ECE with 15 equal-width bins', () => {
    // Confidences 0.9 (right), 0.9 (wrong) in bin 13; 0.6 (right) in bin 8, whose upper edge is 0.6.
    const probs = [[0.9, 0.1], [0.1, 0.9], [0.6, 0.4]];
    const { ece, bins } = expectedCalibrationError(probs, [0, 0, 0]);
    expect(ece).toBeCloseTo((2 / 3) * 0.4 + (1 / 3) * 0.4, 12);
    expect(bins[13]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(bins[8]).toMatchObject({ count: 1, accuracy: 1 });
    expect(bins[8].confidence).toBeCloseTo(0.6, 12);
    expect(expectedCalibrationError([[1, 0], [0, 1]], [0, 1]).ece).toBe(0);
  });
});

describe('late fusion rules', () => {
  const a = [[0.5, 0.5], [0.6, 0.4]];
  const b = [[0.9, 0.1], [0.3, 0.7]];

  it('average, normalised product and maximum confidence', () => {
    averageRule(a, b)[1].forEach((p, c) => expect(p).toBeCloseTo([0.45, 0.55][c], 12));
    expect(productRule(a, b)[0][0]).toBeCloseTo(0.9, 12);
    expect(productRule(a, b)[1][0]).toBeCloseTo(0.18 / (0.18 + 0.28), 12);
    expect(maxConfidenceRule(a, b)).toEqual([[0.9, 0.1], [0.3, 0.7]]);
    expect(productRule([[1, 0]], [[0, 1]])[0].every(Number.isFinite)).toBe(true);
  });

  it('majority vote breaks ties by the most confident voter', () => {
    expect(argmax(voteRule([a, b])[1])).toBe(1);
    voteRule([[[0.6, 0.4]], [[0.55, 0.45]], [[0.1, 0.9]]])[0].forEach((p, c) => expect(p).toBeCloseTo([0.575, 0.425][c], 12));
  });

  it('the disagreement rule trusts the calibrated confidence', () => {
    expect(argmax(disagreementRule(a, b)[1])).toBe(1);
    // Audio at T = 3: softmax(log [0.3, 0.7] / 3) has confidence 0.57 < the image's 0.6.
    expect(argmax(disagreementRule(a, b, 1, 3)[1])).toBe(0);
    expect(disagreementRule([[0.8, 0.2]], [[0.6, 0.4]])[0]).toEqual([0.7, 0.30000000000000004]);
  });

  it('fits the weight towards the model that knows the labels', () => {
    const rng = new Rng(2);
    const labels = Array.from({ length: 400 }, () => Math.floor(rng.next() * 10));
    const good = model(labels, 4, () => true, rng);
    const noise = model(labels, 0, () => false, rng);
    expect(fitWeight(good, noise, labels)).toBeGreaterThan(0.9);
    expect(fitWeight(noise, good, labels)).toBeLessThan(0.1);
    expect(fitWeight(noise, good, labels, { objective: 'accuracy' })).toBeLessThan(0.5);
  });

  it('the learned combiner learns how to read each model, reproducibly', () => {
    const rng = new Rng(3);
    const draw = (n: number) => {
      const labels = Array.from({ length: n }, () => Math.floor(rng.next() * 10));
      // Audio is confidently wrong in a fixed way (it says y + 1): the product rule is torn
      // between y and y + 1; the combiner can read audio's y + 1 as evidence for y.
      return { labels, image: model(labels, 1.5, () => true, rng), audio: model(labels, 1.5, () => true, rng, (y) => (y + 1) % 10) };
    };
    const val = draw(300);
    const test = draw(300);
    const combiner = fitCombiner(val.image, val.audio, val.labels, { seed: 4 });
    expect(fitCombiner(val.image, val.audio, val.labels, { seed: 4 })).toEqual(combiner);
    const learned = accuracy(combinerRule(combiner, test.image, test.audio), test.labels);
    expect(learned).toBeGreaterThan(accuracy(productRule(test.image, test.audio), test.labels) + 0.2);
    expect(learned).toBeGreaterThan(accuracy(test.image, test.labels) + 0.1);
  });

  it('every method runs, and a missing modality leaves the other', () => {
    const rng = new Rng(5);
    const labels = Array.from({ length: 60 }, () => Math.floor(rng.next() * 10));
    const image = model(labels, 3, () => true, rng);
    const audio = model(labels, 3, () => true, rng);
    const fit = fitLateFusion(image, audio, labels, { seed: 1 });
    for (const method of LATE_METHODS) {
      const fused = lateFuse(method, fit, image, audio);
      for (const row of fused) expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
      expect(lateFuse(method, fit, null, audio)[7]).toEqual(method === 'disagreement' ? applyTemperature(audio, fit.temperatures.audio)[7] : audio[7]);
    }
    expect(() => lateFuse('average', fit, null, null)).toThrow(/at least one modality/);
  });
});

describe('evaluation figures', () => {
  // Labels 0, 1, 2, 3: both right, only image right, only audio right, both wrong.
  const labels = [0, 1, 2, 3];
  const oneHot = (k: number, c = 0.8) => Array.from({ length: 4 }, (_, j) => (j === k ? c : (1 - c) / 3));
  const image = [oneHot(0), oneHot(1), oneHot(0), oneHot(0)];
  const audio = [oneHot(0), oneHot(2), oneHot(2), oneHot(1)];

  it('counts the cases and what each fusion chose in them', () => {
    const fused = { pick: [oneHot(0), oneHot(2), oneHot(2), oneHot(3)] };
    const table = disagreementTable(image, audio, labels, fused);
    expect(table.counts).toEqual({ bothRight: 1, onlyImage: 1, onlyAudio: 1, bothWrong: 1 });
    expect(table.methods.pick).toEqual({
      bothRight: { correct: 1, image: 0, audio: 0, both: 1, other: 0 },
      onlyImage: { correct: 0, image: 0, audio: 1, both: 0, other: 0 },
      onlyAudio: { correct: 1, image: 0, audio: 1, both: 0, other: 0 },
      bothWrong: { correct: 1, image: 0, audio: 0, both: 0, other: 1 },
    });
    const md = disagreementMarkdown(table);
    expect(md).toContain('| only image right | 1 | 0/1 right (image 0, audio 1, other 0) |');
    expect(md.trimEnd().split('\n')).toHaveLength(6);
  });

  it('accuracy, confusion matrix and the figures of a method', () => {
    expect(accuracy(image, labels)).toBe(0.5);
    const m = confusionMatrix(audio, labels);
    expect(m[3][1]).toBe(1);
    expect(m.flat().reduce((s, v) => s + v, 0)).toBe(4);
    const figures = methodFigures(image, labels);
    expect(figures.calibration.ece).toBeCloseTo(0.3, 12);
    expect(figures.nll).toBeCloseTo((2 * -Math.log(0.8) - 2 * Math.log(0.2 / 3)) / 4, 12);
  });

  it('robustness points per condition and method, and their table', () => {
    const conditions = [{ id: 'clean', curve: 'clean', x: null }, { id: 'audio-white-0db', curve: 'audio white noise', x: 0 }];
    const points = robustnessPoints(conditions, { clean: { image, audio }, 'audio-white-0db': { image, audio: image } }, labels);
    expect(points[1]).toEqual({ id: 'audio-white-0db', curve: 'audio white noise', x: 0, accuracy: { image: 0.5, audio: 0.5 } });
    expect(points[0].accuracy.audio).toBe(0.5);
    expect(robustnessMarkdown(points).split('\n')[2]).toBe('| clean | 50.00 | 50.00 |');
    expect(() => robustnessPoints([{ id: 'x', curve: 'x', x: 1 }], {}, labels)).toThrow(/no predictions for condition 'x'/);
  });
});
