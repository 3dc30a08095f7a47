/** The host-side pieces of training: metrics from logits and the MNIST augmentation. */
import { describe, expect, it } from 'vitest';
import { augmentImages } from '../src/train/image_augment';
import { formatSummary, summarize } from '../src/train/metrics';

describe('summarize', () => {
  it('gives loss, accuracy, confusion (rows: truth) and per-class accuracy from logits', () => {
    // 3 examples, 3 classes: predictions 0, 2, 2 for labels 0, 1, 2
    const logits = Float32Array.of(2, 0, 0, 0, 1, 3, 0, 0, 1);
    const s = summarize(logits, [0, 1, 2], 3);
    expect(s.accuracy).toBeCloseTo(2 / 3, 12);
    expect(s.confusion).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 1]]);
    expect(s.perClass).toEqual([1, 0, 1]);
    const ce = (row: number[], y: number) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[y];
    expect(s.loss).toBeCloseTo((ce([2, 0, 0], 0) + ce([0, 1, 3], 1) + ce([0, 0, 1], 2)) / 3, 6);
    expect(summarize(Float32Array.of(1, 0), [0], 2).perClass).toEqual([1, null]);
    expect(formatSummary(s, ['a', 'b', 'c'])).toMatch(/accuracy 66\.7% \(2\/3\)/);
    expect(() => summarize(logits, [0, 1], 3)).toThrow(/9 logits for 2 labels/);
  });
});

describe('augmentImages', () => {
  const image = new Uint8Array(2 * 28 * 28);
  for (let y = 8; y < 20; y++) image[y * 28 + 14] = 255; // a vertical stroke
  image.copyWithin(28 * 28, 0, 28 * 28);

  it('depends only on (seed, step), moves the ink and keeps its amount roughly', () => {
    const a = augmentImages(image, 2, 28, 28, 7, 3);
    expect(augmentImages(image, 2, 28, 28, 7, 3)).toEqual(a);
    expect(augmentImages(image, 2, 28, 28, 7, 4)).not.toEqual(a);
    expect(a.subarray(0, 784)).not.toEqual(a.subarray(784));
    const ink = (x: Uint8Array) => x.reduce((s, v) => s + v, 0);
    expect(ink(a.subarray(0, 784)) / ink(image.subarray(0, 784))).toBeGreaterThan(0.8);
    expect(ink(a.subarray(0, 784)) / ink(image.subarray(0, 784))).toBeLessThan(1.2);
  });

  it('is the identity with no rotation and no shift', () => {
    expect(augmentImages(image, 2, 28, 28, 1, 1, { maxDegrees: 0, maxShift: 0 })).toEqual(image);
  });
});
