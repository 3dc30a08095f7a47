import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { bandNormalizeReference } from '../../kernels/src/ops/band_normalize/reference';
import { mean, noGrad, Rng, Tensor } from '@duet/autograd';
import { fromData, toData } from '@duet/kernels';
import { AudioFeaturizer, AudioGru, buildModel, getModel, inputShape, makeSpec, modelNames, noiseFloorRms, normalizePixels, padOrTrimInto, parseSpec, type AudioPreprocessing } from '../src/index';

describe('registry and specs', () => {
  it('lists the models per task and refuses unknown names', () => {
    expect(modelNames('audio')).toEqual(['lab-cnn', 'audio-cnn', 'audio-gru']);
    expect(modelNames('image')).toEqual(['mnist-cnn']);
    expect(() => getModel('resnet')).toThrow(/unknown model 'resnet'/);
  });

  it("carries the lab's preprocessing: 48000 samples, torchaudio defaults, dataset mean", () => {
    const pre = getModel('lab-cnn').preprocessing() as AudioPreprocessing;
    expect(pre.samples).toBe(48000);
    expect([pre.mel.sampleRate, pre.mel.nFft, pre.mel.hopLength, pre.mel.nMels, pre.mel.center]).toEqual([16000, 400, 200, 128, true]);
    expect(pre.db).toEqual({ stype: 'power', topDb: null, amin: 1e-10, refValue: 1 });
    expect(inputShape(pre)).toEqual([1, 128, 241]);
    expect(getModel('lab-cnn').recipe).toMatchObject({ optimizer: 'sgd', lr: 0.001, momentum: 0.9, batchSize: 32, epochs: 30 });
    expect(inputShape(getModel('audio-cnn').preprocessing({ samples: 4000 }))).toEqual([1, 40, 51]);
  });

  it('round-trips a spec through JSON and rejects inconsistent ones', () => {
    const def = getModel('audio-cnn');
    const spec = makeSpec(def, def.preprocessing(), def.recipe, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(parseSpec(JSON.stringify(spec), 'model.json')).toEqual(spec);
    expect(() => parseSpec(JSON.stringify({ ...spec, inputShape: [1, 40, 99] }), 'm.json')).toThrow(/m.json: inputShape/);
    expect(() => parseSpec(JSON.stringify({ ...spec, format: 'x' }), 'm.json')).toThrow(/format/);
    expect(() => parseSpec('{', 'm.json')).toThrow(/not JSON/);
  });

  it('pads and cuts clips, and normalises pixels', () => {
    const out = new Float32Array(2 * 3).fill(9);
    padOrTrimInto(out, 0, Float32Array.of(1, 2), 3);
    padOrTrimInto(out, 1, Float32Array.of(1, 2, 3, 4), 3);
    expect([...out]).toEqual([1, 2, 0, 1, 2, 3]);
    expect([...normalizePixels(Uint8Array.of(0, 255), { mean: 0.5, std: 0.5 })]).toEqual([-1, 1]);
  });

  it("noise-floor padding continues a clip with noise at its quietest frames' level, the same for every call", () => {
    // 0.1 s of background at RMS 0.01 (10 frames of 80), then 0.2 s of a loud tone.
    const rng = new Rng(3);
    const clip = Float32Array.from({ length: 2400 }, (_, i) => (i < 800 ? 0.01 * Math.sqrt(3) * (2 * rng.next() - 1) : 0.5 * Math.sin(i / 3)));
    expect(noiseFloorRms(clip)).toBeGreaterThan(0.008);
    expect(noiseFloorRms(clip)).toBeLessThan(0.012);
    const padded = new Float32Array(8000);
    padOrTrimInto(padded, 0, clip, 8000, 'noise-floor');
    expect([...padded.subarray(0, 2400)]).toEqual([...clip]);
    const tail = padded.subarray(2400);
    const rms = Math.sqrt(tail.reduce((s, v) => s + v * v, 0) / tail.length);
    expect(rms).toBeGreaterThan(0.009);
    expect(rms).toBeLessThan(0.011);
    const again = new Float32Array(8000);
    padOrTrimInto(again, 0, clip, 8000, 'noise-floor');
    expect(again).toEqual(padded);
    // A silent clip stays silent; a long one is cut as with zeros.
    const silent = new Float32Array(10).fill(7);
    padOrTrimInto(silent, 0, new Float32Array(4), 10, 'noise-floor');
    expect([...silent]).toEqual(new Array(10).fill(0));
    const cut = new Float32Array(3);
    padOrTrimInto(cut, 0, Float32Array.of(1, 2, 3, 4), 3, 'noise-floor');
    expect([...cut]).toEqual([1, 2, 3]);
  });

  it('model.json keeps the padding of a noise-floor model and reads older files as zero-padded', () => {
    const def = getModel('audio-cnn');
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const spec = makeSpec(def, def.preprocessing({ padding: 'noise-floor' }), def.recipe, labels);
    expect((parseSpec(JSON.stringify(spec), 'model.json').preprocessing as AudioPreprocessing).padding).toBe('noise-floor');
    expect('padding' in makeSpec(def, def.preprocessing(), def.recipe, labels).preprocessing).toBe(false);
    const bad = { ...spec, preprocessing: { ...spec.preprocessing, padding: 'reflect' } };
    expect(() => parseSpec(JSON.stringify(bad), 'm.json')).toThrow(/padding/);
  });

  it('model.json keeps per-band normalisation; lab-cnn keeps the dataset mean and audio-cnn refuses it', () => {
    const def = getModel('audio-cnn');
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const spec = makeSpec(def, def.preprocessing({ normalization: 'band' }), def.recipe, labels);
    expect((parseSpec(JSON.stringify(spec), 'model.json').preprocessing as AudioPreprocessing).normalization).toBe('band');
    expect(() => getModel('lab-cnn').preprocessing({ normalization: 'band' })).toThrow(/lab-cnn normalises with the training-set mean/);
    expect(() => def.preprocessing({ normalization: 'dataset' })).toThrow(/not with dataset statistics/);
  });
});

describeGpu('models on the GPU', (gpu) => {
  itGpu('builds each model with PyTorch state names and maps a batch to (B, 10)', () => {
    const ctx = gpu();
    const labels = Array.from({ length: 10 }, (_, i) => String(i));
    const shapes: Record<string, number[]> = {};
    for (const [name, pre] of [
      ['lab-cnn', getModel('lab-cnn').preprocessing({ samples: 4800 })],
      ['audio-cnn', getModel('audio-cnn').preprocessing({ samples: 1200 })],
      ['audio-gru', getModel('audio-gru').preprocessing({ samples: 1200 })],
      ['mnist-cnn', getModel('mnist-cnn').preprocessing()],
    ] as const) {
      const spec = makeSpec(getModel(name), pre, getModel(name).recipe, labels);
      const { module } = buildModel(ctx, spec, 1);
      module.eval();
      const x = Tensor.from(ctx, new Float32Array(3 * spec.inputShape.reduce((a, b) => a * b)).fill(0.5), [3, ...spec.inputShape]);
      shapes[name] = [...noGrad(() => module.forward(x)).shape];
      if (name === 'lab-cnn') expect(module.namedState().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '5.weight', '5.bias']);
      if (name === 'audio-cnn') expect(module.namedState().map(([n]) => n).slice(0, 6)).toEqual(['features.0.weight', 'features.1.weight', 'features.1.bias', 'features.1.running_mean', 'features.1.running_var', 'features.4.weight']);
      if (name === 'audio-gru') expect(module.namedState().map(([n]) => n).slice(0, 5)).toEqual(['gru.weight_ih_l0', 'gru.weight_hh_l0', 'gru.bias_ih_l0', 'gru.bias_hh_l0', 'gru.weight_ih_l0_reverse']);
      if (name === 'mnist-cnn') expect(module.namedState().find(([n]) => n === '10.weight')![1].shape).toEqual([128, 3136]);
    }
    expect(shapes).toEqual({ 'lab-cnn': [3, 10], 'audio-cnn': [3, 10], 'audio-gru': [3, 10], 'mnist-cnn': [3, 10] });
  });

  itGpu('audio-gru reads the frames in time order: its batched-matmul transpose equals a host transpose', async () => {
    const ctx = gpu();
    const model = new AudioGru(ctx, [1, 5, 7], new Rng(2), { hiddenSize: 4, bidirectional: true, dropout: 0 }).eval();
    const x = randomArray(2 * 5 * 7, 11); // (B, 1, nMels, T) = (2, 1, 5, 7)
    const xt = new Float32Array(x.length); // (B, T, nMels)
    for (let b = 0; b < 2; b++) for (let m = 0; m < 5; m++) for (let t = 0; t < 7; t++) xt[b * 35 + t * 5 + m] = x[b * 35 + m * 7 + t];
    const [y, expected] = noGrad(() => [
      model.forward(Tensor.from(ctx, x, [2, 1, 5, 7])),
      model.classifier.forward(mean(model.gru.forward(Tensor.from(ctx, xt, [2, 7, 5])), { axis: 1 })),
    ]);
    expectClose(await y.toArray(), await expected.toArray(), 1e-6, 1e-5);
  });

  itGpu('per-utterance normalisation gives the features of each clip mean 0 and std 1', async () => {
    const ctx = gpu();
    const pre = getModel('audio-cnn').preprocessing({ samples: 801 }) as AudioPreprocessing;
    const featurizer = new AudioFeaturizer(ctx, pre);
    const clips = new Float32Array(2 * 801).map((_, i) => Math.sin(i * 0.3) * (i < 801 ? 0.1 : 0.7) + 0.01 * Math.cos(i * 1.7));
    const features = featurizer.forward(fromData(ctx, clips, [2, 801], 'clips'));
    expect(features.shape).toEqual([2, ...inputShape(pre)]);
    const values = await toData(ctx, features);
    const n = values.length / 2;
    for (let b = 0; b < 2; b++) {
      const row = values.subarray(b * n, (b + 1) * n);
      const mean = row.reduce((s, v) => s + v, 0) / n;
      const std = Math.sqrt(row.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(std).toBeCloseTo(1, 3);
    }
    featurizer.dispose();
  });

  itGpu('per-band normalisation is band_normalize of the dB mel spectrogram: band means 0 over the speech, padding 0', async () => {
    const ctx = gpu();
    const pre = getModel('audio-cnn').preprocessing({ samples: 1600, normalization: 'band' }) as AudioPreprocessing;
    const raw = new AudioFeaturizer(ctx, { ...pre, normalization: 'dataset' }); // the same dB features, not normalised
    const featurizer = new AudioFeaturizer(ctx, pre);
    // Two clips of 700 and 1200 samples zero-padded to 1600, the second louder.
    const clips = new Float32Array(2 * 1600);
    for (let i = 0; i < 700; i++) clips[i] = 0.1 * Math.sin(i * 0.3) + 0.02 * Math.cos(i * 1.7);
    for (let i = 0; i < 1200; i++) clips[1600 + i] = 0.6 * Math.sin(i * 0.45) + 0.05 * Math.cos(i * 2.1);
    const [, freq, time] = inputShape(pre);
    const dB = await toData(ctx, raw.forward(fromData(ctx, clips, [2, 1600], 'clips')));
    const values = await toData(ctx, featurizer.forward(fromData(ctx, clips, [2, 1600], 'clips')));
    expectClose(values, bandNormalizeReference(dB, 2, freq, time), 1e-4, 1e-3, 'features');
    // The padding is zero: the last frames lie wholly in the zeros after 700 samples (hop 80, window 256).
    for (let f = 0; f < freq; f++) expect(values[f * time + time - 1]).toBe(0);
    raw.dispose();
    featurizer.dispose();
  });
});
