import { crossEntropy, noGrad, Rng, Scope, Tensor } from '@duet/autograd';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { describe, expect, it } from 'vitest';
import { gradcheck, input } from '../../autograd/test/gradcheck';
import { modalityDrops, packedSize, packPairs, packTensors, unpack, type FusionInputs } from '../src/fusion/inputs';
import { areaResizeMatrix, attentionFuse, buildFusion, EarlyFusion, encoderStateNames, FUSION_KINDS } from '../src/fusion/networks';

// Tiny, odd shapes: an 8x8 "image" and 6 mels x 11 frames.
const inputs: FusionInputs = { image: [1, 8, 8], audio: [1, 6, 11] };
const small = { imageChannels: [2, 3] as const, imageHidden: 5, audioChannels: [2, 3], earlyChannels: [3, 4], headHidden: 6 };

describe('fusion inputs', () => {
  it('area resize matrices average the covered cells (rows sum to 1)', () => {
    expect([...areaResizeMatrix(4, 2)]).toEqual([0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5]);
    expect([...areaResizeMatrix(2, 4)]).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
    const m = areaResizeMatrix(11, 8);
    for (let i = 0; i < 8; i++) expect(m.slice(i * 11, (i + 1) * 11).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('packs rows and fills a missing modality with its blank value', () => {
    const x = packPairs({ image: [1, 2], audio: [1] }, 2, Float32Array.of(1, 2, 3, 4), null, { image: -0.5, audio: 7 });
    expect([...x]).toEqual([1, 2, 7, 3, 4, 7]);
    expect(packedSize(inputs)).toBe(64 + 66);
    expect(() => packPairs(inputs, 2, new Float32Array(3), null)).toThrow(/3 image values for 2 images/);
  });

  it('modality drops are seeded, near p, and never take both senses', () => {
    const drops = modalityDrops(9, 4, 4000, 0.3);
    expect(modalityDrops(9, 4, 4000, 0.3)).toEqual(drops);
    expect(modalityDrops(9, 5, 4000, 0.3)).not.toEqual(drops);
    const counts = [0, 0, 0];
    for (const d of drops) counts[d]++;
    expect(counts[0] / 4000).toBeGreaterThan(0.67);
    expect(counts[0] / 4000).toBeLessThan(0.73);
    expect(Math.abs(counts[1] - counts[2]) / 4000).toBeLessThan(0.04);
  });

  it('maps pretrained unimodal names into the fused model', () => {
    expect([...encoderStateNames('image', ['0.weight', '5.running_var', '10.bias', '13.weight'])]).toEqual([
      ['0.weight', 'image.0.weight'], ['5.running_var', 'image.5.running_var'], ['10.bias', 'image.10.bias'],
    ]);
    expect([...encoderStateNames('audio', ['features.1.running_mean', 'classifier.weight'])]).toEqual([['features.1.running_mean', 'audio.features.1.running_mean']]);
  });
});

describeGpu('fused networks', (gpu) => {
  itGpu('the attention gate: gradients through the tape match finite differences', async () => {
    await gradcheck(
      gpu(),
      ([image, audio, w, b]) => {
        const { features, weights } = attentionFuse(image, audio, w, b);
        return packTensors(features, weights); // both outputs in one upstream product
      },
      [input([2, 3], 1), input([2, 2], 2), input([2, 5], 3), input([2], 4)],
      'attentionFuse',
    );
  });

  itGpu('every kind maps (B, I + A) to logits (B, 10) with PyTorch-style names, and backpropagates to every parameter', async () => {
    const ctx = gpu();
    const batch = 3;
    const x = randomArray(batch * packedSize(inputs), 5);
    const expected: Record<string, string[]> = {
      early: ['cnn.features.0.weight', 'cnn.features.1.running_var', 'cnn.classifier.weight'],
      intermediate: ['image.0.weight', 'image.10.weight', 'audio.features.0.weight', 'head.0.weight', 'head.3.bias'],
      attention: ['image.1.bias', 'image.5.running_mean', 'audio.features.4.weight', 'gate.weight', 'gate.bias', 'head.3.weight'],
    };
    for (const kind of FUSION_KINDS) {
      const { module, dropouts } = buildFusion(ctx, kind, inputs, new Rng(1), small);
      const names = module.namedState().map(([n]) => n);
      for (const n of expected[kind]) expect(names, kind).toContain(n);
      expect(dropouts[0]).toBe(module.modalityDropout);
      const scope = new Scope();
      const { logits, weights } = scope.run(() => module.forwardWithWeights(Tensor.from(ctx, x, [batch, packedSize(inputs)])));
      expect(logits.shape).toEqual([batch, 10]);
      scope.run(() => crossEntropy(logits, Uint32Array.of(1, 7, 3))).backward();
      for (const [name, p] of module.namedParameters()) expect(p.grad, `${kind}: ${name}`).not.toBeNull();
      if (kind === 'attention') {
        const w = await weights!.toArray();
        for (let b = 0; b < batch; b++) expect(w[2 * b] + w[2 * b + 1]).toBeCloseTo(1, 5);
      } else {
        expect(weights).toBeNull();
      }
      scope.release();
      module.free();
    }
  });

  itGpu('early fusion resizes the mel grid to the image grid (area) on both axes', async () => {
    const ctx = gpu();
    const model = new EarlyFusion(ctx, inputs, new Rng(2), small);
    const batch = 2;
    const audio = randomArray(batch * 66, 6);
    const out = await noGrad(() => model.resizeAudio(Tensor.from(ctx, audio, [batch, 1, 6, 11]))).toArray();
    const rm = areaResizeMatrix(6, 8);
    const rf = areaResizeMatrix(11, 8);
    const expected = new Float64Array(batch * 64);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < 8; i++)
        for (let j = 0; j < 8; j++)
          for (let m = 0; m < 6; m++) for (let f = 0; f < 11; f++) expected[b * 64 + i * 8 + j] += rm[i * 6 + m] * audio[b * 66 + m * 11 + f] * rf[j * 11 + f];
    expectClose(out, expected, 1e-5, 1e-4, 'resized mel');
    model.free();
  });

  itGpu('modality dropout blanks one part of the drawn samples in training and nothing in eval', async () => {
    const ctx = gpu();
    const model = buildFusion(ctx, 'intermediate', inputs, new Rng(3), { ...small, modalityDropout: 0.6, blank: { image: -0.4, audio: 2 } }).module;
    const batch = 9;
    const values = randomArray(batch * packedSize(inputs), 7);
    const x = Tensor.from(ctx, values, [batch, packedSize(inputs)]);
    const dropped = model.modalityDropout;
    dropped.calls = 11;
    const y = await noGrad(() => dropped.forward(x)).toArray();
    const drops = modalityDrops(dropped.seed, 11, batch, 0.6);
    expect(dropped.lastDrops).toEqual(drops);
    expect(new Set(drops).size).toBe(3);
    const d = packedSize(inputs);
    for (let b = 0; b < batch; b++) {
      const row = y.subarray(b * d, (b + 1) * d);
      const src = values.subarray(b * d, (b + 1) * d);
      expectClose(row.subarray(0, 64), drops[b] === 1 ? new Float32Array(64).fill(-0.4) : src.subarray(0, 64), 1e-6, 0, `image of sample ${b}`);
      expectClose(row.subarray(64), drops[b] === 2 ? new Float32Array(66).fill(2) : src.subarray(64), 1e-6, 0, `audio of sample ${b}`);
    }
    model.eval();
    expect(model.modalityDropout.forward(x)).toBe(x);
    const { image, audio } = noGrad(() => unpack(x, inputs));
    expect([image.shape, audio.shape]).toEqual([[batch, 1, 8, 8], [batch, 1, 6, 11]]);
    model.free();
  });
});
