/**
 * Ensembles in @duet/models: the ensemble folder's model.json (schema, member checks), the rule
 * (mean of softmax probabilities), the bundle config of an ensemble, and BundlePredictor on an
 * ensemble bundle: its prediction is the mean of what each member's own bundle predicts (image
 * members with random weights, and audio members that differ in architecture and preprocessing).
 */
import { describe, expect, it } from 'vitest';
import { describeGpu, itGpu, seededRandom } from '@duet/gpu/testing';
import type { HostTensor } from '@duet/autograd';
import {
  BundlePredictor, buildModel, checkMembers, combineProbabilities, ConfigError, decodeBundle, encodeBundle, ENSEMBLE_FORMAT, ensembleConfig, getModel, makeEnsembleSpec,
  makeSpec, memberPrefix, modelFileFormat, parseEnsembleSpec, prefixed, probabilitiesAsLogits, softmaxRows, unimodalConfig, type ModelSpec,
} from '../src/index';
import type { GpuContext } from '@duet/gpu';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const spec = (model: string, options: Parameters<ReturnType<typeof getModel>['preprocessing']>[0] = {}, labels = LABELS): ModelSpec => {
  const def = getModel(model);
  return makeSpec(def, def.preprocessing(options), def.recipe, labels);
};
const utterance = spec('audio-cnn', { samples: 1600 });
const band = spec('audio-cnn', { samples: 1600, normalization: 'band' });
const lab = spec('lab-cnn', { samples: 4800 });
const mnist = spec('mnist-cnn');

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('ensemble spec', () => {
  it('records task, rule, labels and members, and round trips through its schema', () => {
    const e = makeEnsembleSpec([{ spec: utterance, where: 'a', source: '/runs/a' }, { spec: lab, where: 'b', source: '/runs/b' }]);
    expect(e).toEqual({ format: ENSEMBLE_FORMAT, task: 'audio', rule: 'mean-probabilities', labels: LABELS, members: [{ model: 'audio-cnn', source: '/runs/a' }, { model: 'lab-cnn', source: '/runs/b' }] });
    expect(parseEnsembleSpec(JSON.stringify(e), 'e/model.json')).toEqual(e);
    expect(modelFileFormat(JSON.stringify(e))).toBe(ENSEMBLE_FORMAT);
    expect(modelFileFormat(JSON.stringify(utterance))).toBe('duet-model/1');
    expect(modelFileFormat('{')).toBeUndefined();
    expect(refusal(() => parseEnsembleSpec(JSON.stringify({ ...e, rule: 'max' }), 'e/model.json'))).toMatch(/^e\/model\.json: rule: /);
    expect(refusal(() => parseEnsembleSpec(JSON.stringify({ ...e, members: e.members.slice(1) }), 'e/model.json'))).toMatch(/^e\/model\.json: members: /);
    expect(refusal(() => parseEnsembleSpec(JSON.stringify({ ...e, path: '../x' }), 'e/model.json'))).toMatch(/path: unknown field/);
  });

  it('refuses fewer than two members, mixed tasks and different labels, naming the folder', () => {
    expect(refusal(() => checkMembers([{ spec: utterance, where: 'runs/a' }]))).toBe('an ensemble needs at least 2 models, got 1 (runs/a)');
    expect(refusal(() => checkMembers([{ spec: utterance, where: 'runs/a' }, { spec: mnist, where: 'runs/m' }]))).toMatch(/^runs\/m: mnist-cnn is an image model but runs\/a is an audio model/);
    const other = spec('audio-cnn', { samples: 1600 }, ['zero', ...LABELS.slice(1)]);
    expect(refusal(() => checkMembers([{ spec: utterance, where: 'runs/a' }, { spec: other, where: 'runs/z' }]))).toMatch(/^runs\/z: its labels \[zero, 1, .*\] differ from runs\/a's/);
  });
});

describe('the rule', () => {
  it('averages softmax probabilities; their logs are logits of the same probabilities', () => {
    const a = softmaxRows(Float32Array.of(1, 2, 3, 0, 0, 0), 3);
    const b = softmaxRows(Float32Array.of(3, 2, 1, 5, -5, 0), 3);
    const mean = combineProbabilities('mean-probabilities', [a, b]);
    for (let i = 0; i < 6; i++) expect(mean[i]).toBeCloseTo((a[i] + b[i]) / 2, 15);
    expect(mean[0] + mean[1] + mean[2]).toBeCloseTo(1, 15);
    const again = softmaxRows(probabilitiesAsLogits(mean), 3);
    for (let i = 0; i < 6; i++) expect(again[i]).toBeCloseTo(mean[i], 6);
    expect(() => combineProbabilities('mean-probabilities', [a, b.subarray(0, 3)])).toThrow(/members give/);
  });
});

/** Seeded random weights for `spec` (so members differ), as a state dict. */
async function randomState(ctx: GpuContext, s: ModelSpec, seed: number): Promise<Map<string, HostTensor>> {
  const built = buildModel(ctx, s, seed);
  const state = await built.module.stateDict();
  built.module.free();
  return state;
}

function ensembleBundle(members: ModelSpec[], states: Map<string, HostTensor>[]) {
  const e = makeEnsembleSpec(members.map((m, i) => ({ spec: m, where: `m${i}`, source: `m${i}` })));
  const kind = e.task;
  return decodeBundle(encodeBundle(ensembleConfig(e, members), states.flatMap((s, i) => prefixed(memberPrefix(kind, i), s))), 'ensemble.duet');
}

describe('ensemble bundle config', () => {
  it('refuses members of another kind, other labels, and a front model that is not member 0', async () => {
    const e = makeEnsembleSpec([{ spec: utterance, where: 'a', source: 'a' }, { spec: band, where: 'b', source: 'b' }]);
    const config = ensembleConfig(e, [utterance, band]);
    expect(config.audio).toEqual(utterance);
    const tensor: [string, HostTensor][] = [['audio.0.x', { shape: [1], data: Float32Array.of(0) }]];
    expect(() => encodeBundle({ ...config, audio: band }, tensor)).toThrow(/the "audio" model must be ensemble member 0/);
    expect(() => encodeBundle({ ...config, ensemble: { rule: 'mean-probabilities', members: [utterance, mnist] } }, tensor)).toThrow(/ensemble member 1 is a model of image/);
    const relabelled = { ...band, labels: ['zero', ...LABELS.slice(1)] };
    expect(() => encodeBundle({ ...config, ensemble: { rule: 'mean-probabilities', members: [utterance, relabelled] } }, tensor)).toThrow(/ensemble member 1's labels differ/);
    expect(() => encodeBundle({ ...config, ensemble: { rule: 'mean-probabilities', members: [utterance] } }, tensor)).toThrow(/ensemble\.members/);
  });
});

describeGpu('BundlePredictor on an ensemble bundle', (gpu) => {
  itGpu('image: the fused probabilities are the mean of each member bundle\'s, which it also reports', async () => {
    const ctx = gpu();
    const states = [await randomState(ctx, mnist, 1), await randomState(ctx, mnist, 2)];
    const rand = seededRandom(7);
    const image = Uint8Array.from({ length: 28 * 28 }, () => Math.floor(256 * rand()));
    const alone: number[][] = [];
    for (const s of states) {
      const p = new BundlePredictor(ctx, decodeBundle(encodeBundle(unimodalConfig(mnist), prefixed('image.', s)), 'one'));
      alone.push((await p.predict({ image, audio: null })).image!);
      p.dispose();
    }
    const predictor = new BundlePredictor(ctx, ensembleBundle([mnist, mnist], states));
    const got = await predictor.predict({ image, audio: null });
    predictor.dispose();
    expect(alone[0]).not.toEqual(alone[1]);
    got.fused.forEach((p, c) => expect(p).toBeCloseTo((alone[0][c] + alone[1][c]) / 2, 5));
    expect(got.image).toEqual(got.fused);
    expect(got.audio).toBeNull();
    got.members!.forEach((m, k) => m.forEach((p, c) => expect(p).toBeCloseTo(alone[k][c], 5)));
  }, 120_000);

  itGpu('audio: members of other architectures and front ends each hear the clip through their own', async () => {
    const ctx = gpu();
    const members = [utterance, lab];
    const states = [await randomState(ctx, utterance, 3), await randomState(ctx, lab, 4)];
    const rand = seededRandom(9);
    const audio = { samples: Float32Array.from({ length: 3000 }, (_, i) => 0.3 * Math.sin(i / 5) + 0.05 * (rand() - 0.5)), sampleRate: 16000 };
    const alone: number[][] = [];
    for (const [k, s] of states.entries()) {
      const p = new BundlePredictor(ctx, decodeBundle(encodeBundle(unimodalConfig(members[k]), prefixed('audio.', s)), 'one'));
      alone.push((await p.predict({ image: null, audio })).audio!);
      p.dispose();
    }
    const bundle = ensembleBundle(members, states);
    const predictor = new BundlePredictor(ctx, bundle);
    const got = await predictor.predict({ image: null, audio });
    predictor.dispose();
    got.fused.forEach((p, c) => expect(p).toBeCloseTo((alone[0][c] + alone[1][c]) / 2, 5));
    expect(got.digit).toBe(got.fused.indexOf(Math.max(...got.fused)));
    // A member's weights missing, or stray ones, are refused with the file's name.
    const tensors = new Map(bundle.tensors);
    tensors.set('audio.2.extra', { shape: [1], data: Float32Array.of(0) });
    expect(() => new BundlePredictor(ctx, { ...bundle, tensors })).toThrow(/ensemble\.duet: unexpected tensors audio\.2\.extra/);
    const first = [...bundle.tensors.keys()].find((n) => n.startsWith('audio.1.'))!;
    const fewer = new Map([...bundle.tensors].filter(([n]) => n !== first));
    expect(() => new BundlePredictor(ctx, { ...bundle, tensors: fewer })).toThrow(new RegExp(`ensemble\\.duet: the weights do not fit the audio architecture \\(missing ${first.replace(/\./g, '\\.')}`));
  }, 120_000);
});
