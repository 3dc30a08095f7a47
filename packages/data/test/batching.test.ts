import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchCount, epochBatches, wavBatches, type WavItem } from '../src/batching';
import { DataError, WavError } from '../src/errors';
import { encodeWav } from '../src/wav';

const FSDD = resolve(__dirname, '../../../../shared/data/fsdd/recordings');

describe('epochBatches', () => {
  it('covers every index once per epoch, in an order fixed by (seed, epoch)', () => {
    const batches = [...epochBatches(10, { batchSize: 3, seed: 5, epoch: 0 })];
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    const flat = batches.flatMap((b) => Array.from(b));
    expect([...flat].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...epochBatches(10, { batchSize: 3, seed: 5, epoch: 0 })].flatMap((b) => Array.from(b))).toEqual(flat);
    expect([...epochBatches(10, { batchSize: 3, seed: 5, epoch: 1 })].flatMap((b) => Array.from(b))).not.toEqual(flat);
  });

  it('drops the short last batch on request, and keeps order without shuffle', () => {
    expect([...epochBatches(10, { batchSize: 3, seed: 5, epoch: 0, dropLast: true })].map((b) => b.length)).toEqual([3, 3, 3]);
    expect([...epochBatches(5, { batchSize: 2, seed: 5, epoch: 2, shuffle: false })].map((b) => Array.from(b))).toEqual([[0, 1], [2, 3], [4]]);
    expect(batchCount(10, 3)).toBe(4);
    expect(batchCount(10, 3, true)).toBe(3);
    expect([...epochBatches(0, { batchSize: 4, seed: 0, epoch: 0 })]).toEqual([]);
    expect(() => [...epochBatches(4, { batchSize: 0, seed: 0, epoch: 0 })]).toThrow(DataError);
  });
});

describe('wavBatches', () => {
  const items: WavItem[] = Array.from({ length: 7 }, (_, i) => ({ file: `f${i}.wav`, digit: i % 10 }));
  const files = new Map(items.map((item, i) => [item.file, encodeWav(new Float32Array(i + 1).fill(i / 8), 8000)]));

  it('decodes lazily: a batch is read only when the previous one is consumed (one ahead)', async () => {
    const reads: string[] = [];
    const read = async (file: string) => (reads.push(file), files.get(file)!);
    const stream = wavBatches(items, { batchSize: 2, seed: 1, epoch: 0, read, length: 3 });
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(reads.length).toBe(4); // this batch and the prefetched one, not all 7
    const batch = first.value!;
    expect(batch.sampleRate).toBe(8000);
    const i = batch.indices[0];
    expect(batch.digits[0]).toBe(items[i].digit);
    expect(batch.waves[0]).toHaveLength(i + 1);
    // (B, 3): zero-padded when shorter, cut when longer
    expect(Array.from(batch.padded!.subarray(0, 3))).toEqual([0, 1, 2].map((k) => (k <= i ? i / 8 : 0)));
    let seen = batch.indices.length;
    for await (const b of stream) seen += b.indices.length;
    expect(seen).toBe(7);
    expect(reads.length).toBe(7);
  });

  it('names the file that fails to decode or has the wrong rate', async () => {
    const broken = new Map(files);
    broken.set('f3.wav', new Uint8Array(10));
    const read = async (file: string) => broken.get(file)!;
    const run = async (options: object) => {
      for await (const _ of wavBatches(items, { batchSize: 7, seed: 1, epoch: 0, read, ...options })) void _;
    };
    await expect(run({})).rejects.toThrow(new WavError('f3.wav', 'not a WAV file (10 bytes, too short for a RIFF header)'));
    const good = async (file: string) => files.get(file)!;
    await expect(run({ read: good, sampleRate: 16000 })).rejects.toThrow(/f\d\.wav: sample rate 8000 Hz, expected 16000 Hz/);
  });

  it('streams real FSDD recordings', async () => {
    const fsdd: WavItem[] = ['0_george_0.wav', '1_jackson_3.wav', '9_theo_49.wav'].map((name) => ({ file: join(FSDD, name), digit: Number(name[0]) }));
    const batches = [];
    for await (const b of wavBatches(fsdd, { batchSize: 2, seed: 3, epoch: 0, read: readFile, length: 8000, sampleRate: 8000 })) batches.push(b);
    expect(batches.map((b) => b.indices.length)).toEqual([2, 1]);
    expect(batches[0].padded).toHaveLength(2 * 8000);
    const george = batches.flatMap((b) => b.waves.map((w, k) => [b.indices[k], w] as const)).find(([i]) => i === 0)![1];
    expect(george).toHaveLength(2384);
  });
});
