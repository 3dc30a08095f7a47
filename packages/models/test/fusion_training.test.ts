import { Adam, crossEntropy, noGrad, type HostTensor, Rng, Scope, Tensor } from '@duet/autograd';
import { describeGpu, itGpu } from '@duet/gpu/testing';
import { expect } from 'vitest';
import { argmax } from '../src/fusion/calibration';
import { packedSize, packPairs, type FusionInputs } from '../src/fusion/inputs';
import { buildFusion, imageEncoder, loadEncoder, type FusionKind } from '../src/fusion/networks';

const inputs: FusionInputs = { image: [1, 12, 12], audio: [1, 4, 7] };
const SIDE = 12;
const small = { imageChannels: [4, 8] as const, imageHidden: 32, audioChannels: [4, 6], earlyChannels: [8, 16, 16], headHidden: 12, dropout: 0 };

/**
 * A synthetic paired task: digit d lights a 2x2 blob at row 1 + 6 (d / 5), column 1 + 2 (d % 5) of the 12x12 image and mel bin
 * d % 4 over frames [d / 4 * 2, +2) of the audio (both senses carry the label), with noise.
 */
function batch(labels: readonly number[], rng: Rng): { image: Float32Array; audio: Float32Array } {
  const image = Float32Array.from({ length: labels.length * SIDE * SIDE }, () => 0.1 * rng.next());
  const audio = Float32Array.from({ length: labels.length * 28 }, () => 0.1 * rng.next());
  labels.forEach((d, b) => {
    const [r, c] = [1 + 6 * Math.floor(d / 5), 1 + 2 * (d % 5)];
    for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]]) image[b * SIDE * SIDE + (r + dr) * SIDE + c + dc] += 1;
    for (let t = 0; t < 2; t++) audio[b * 28 + (d % 4) * 7 + Math.floor(d / 4) * 2 + t] += 1;
  });
  return { image, audio };
}

describeGpu('fused networks learn', (gpu) => {
  for (const kind of ['intermediate', 'attention', 'early'] as const) {
    itGpu(`${kind}: a paired toy task, still right with either sense missing (modality dropout)`, async () => {
      const ctx = gpu();
      const rng = new Rng(11);
      const { module, dropouts } = buildFusion(ctx, kind, inputs, new Rng(1), { ...small, modalityDropout: 0.5 });
      const opt = new Adam(module.parameters(), { lr: 0.02 });
      const d = packedSize(inputs);
      for (let step = 0; step < 150; step++) {
        const labels = Array.from({ length: 16 }, () => Math.floor(rng.next() * 10));
        const { image, audio } = batch(labels, rng);
        for (const dr of dropouts) dr.calls = step;
        const scope = new Scope();
        const loss = scope.run(() => crossEntropy(module.forward(Tensor.from(ctx, packPairs(inputs, 16, image, audio), [16, d])), Uint32Array.from(labels)));
        opt.zeroGrad();
        loss.backward();
        opt.step();
        scope.release();
      }
      module.eval();
      const labels = Array.from({ length: 40 }, (_, i) => i % 10);
      const { image, audio } = batch(labels, rng);
      const accuracy = async (img: boolean, aud: boolean) => {
        const x = Tensor.from(ctx, packPairs(inputs, 40, img ? image : null, aud ? audio : null), [40, d]);
        const logits = await noGrad(() => module.forward(x)).toArray();
        return labels.filter((y, b) => argmax([...logits.subarray(b * 10, b * 10 + 10)]) === y).length / 40;
      };
      expect(await accuracy(true, true)).toBeGreaterThan(0.95);
      expect(await accuracy(true, false)).toBeGreaterThan(0.8);
      expect(await accuracy(false, true)).toBeGreaterThan(0.8);
      if (kind === 'attention') {
        // With the image missing, the gate leans on the audio.
        const x = Tensor.from(ctx, packPairs(inputs, 40, null, audio), [40, d]);
        const w = await noGrad(() => module.forwardWithWeights(x).weights!).toArray();
        let audioWeight = 0;
        for (let b = 0; b < 40; b++) audioWeight += w[2 * b + 1] / 40;
        expect(audioWeight).toBeGreaterThan(0.5);
      }
      module.free();
    }, 240_000);
  }

  itGpu('loads a pretrained image encoder by its mnist-cnn names', async () => {
    const ctx = gpu();
    const fused = buildFusion(ctx, 'attention', inputs, new Rng(2), small).module;
    const pretrained = imageEncoder(ctx, inputs.image, new Rng(3), small.imageChannels, small.imageHidden);
    const state = await pretrained.stateDict();
    state.set('13.weight', { shape: [10, 32], data: new Float32Array(320) } as HostTensor);
    // conv, BN (weight, bias, running mean and variance) x 2 blocks, dense weight and bias.
    expect(loadEncoder(fused, 'image', state)).toBe(12);
    const loaded = await fused.stateDict();
    expect(loaded.get('image.10.weight')!.data).toEqual(state.get('10.weight')!.data);
    expect(loaded.get('image.5.running_var')!.data).toEqual(state.get('5.running_var')!.data);
    expect(() => loadEncoder(fused, 'audio', state)).toThrow(/lacks audio.features.0.weight/);
    expect(() => loadEncoder(buildFusion(ctx, 'early', inputs, new Rng(2), small).module, 'image', state)).toThrow(/only intermediate and attention/);
    pretrained.free();
    fused.free();
  });
});
