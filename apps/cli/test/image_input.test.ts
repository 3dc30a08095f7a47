/**
 * What an MNIST image model sees: the unimodal training loop (prepareImage's batches through
 * normalizeInput with the model's statistics, as train and eval run them) must give the network
 * exactly (pixel / 255 - mean) / std, the input `duet predict`, the fused networks and the page
 * give it. (It once normalised twice: trained models then read predict's input wrongly.)
 */
import { expect } from 'vitest';
import { Tensor } from '@duet/autograd';
import { describeGpu, itGpu } from '@duet/gpu/testing';
import { toData } from '@duet/kernels';
import { getModel, makeSpec, normalizeInput, normalizePixels, type ImagePreprocessing } from '@duet/models';
import { loadMnist } from '@duet/data/node';
import { LABELS, prepareImage } from '../src/train/prepare';

describeGpu('the image model input', (gpu) => {
  itGpu('is (pixel / 255 - mean) / std once, in training batches and in evaluation batches', async () => {
    const ctx = gpu();
    const def = getModel('mnist-cnn');
    const spec = makeSpec(def, def.preprocessing(), { ...def.recipe, augment: 'none' }, LABELS);
    const pre = spec.preprocessing as ImagePreprocessing;
    const prepared = prepareImage(ctx, { task: 'image', model: 'mnist-cnn', seed: 1, limit: 3, testLimit: 2, memoryBudgetBytes: 1 << 20 }, spec, () => undefined);
    const mnist = { train: loadMnist('train'), test: loadMnist('test') };
    for (const [part, data, count] of [['train', prepared.train, 3], ['test', prepared.test, 2]] as const) {
      const batch = new Tensor(ctx, data.batch(Uint32Array.from({ length: count }, (_, i) => i), part === 'train' ? 0 : null));
      const seen = await toData(ctx, normalizeInput(batch, pre.stats).data);
      const expected = normalizePixels(mnist[part].images.subarray(0, count * 784), pre.stats);
      expect(seen.length).toBe(expected.length);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(seen[i] - expected[i]));
      expect(worst, `${part}: max |input - (p/255 - mean)/std|`).toBeLessThan(1e-5);
    }
    prepared.dispose();
  });
});
