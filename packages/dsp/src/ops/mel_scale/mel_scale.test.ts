import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '@duet/kernels';
import { melscaleFbanks } from '../../mel_filterbank';
import { freeFilterbank, melScale, melScaleOp, uploadFilterbank } from './index';
import { melScaleReference } from './reference';

describe('mel_scale reference', () => {
  it('is spec^T @ fb per clip', () => {
    // 2 bins, 1 mel, 1 frame, batch 2.
    expect([...melScaleReference([1, 2, 3, 4], 2, 1, [0.5, 0.25], 2, 1)]).toEqual([1, 2.5]);
  });
});

describeGpu('mel_scale on the GPU', (gpu) => {
  const cases: [string, number, number, number, ReturnType<typeof melscaleFbanks>][] = [
    ['htk, 201 bins -> 128 mels with empty filters, batch 2', 2, 7, 201, melscaleFbanks(201, 0, 8000, 128, 16000)],
    ['slaney scale and norm, 129 bins -> 40 mels, batch 1', 1, 13, 129, melscaleFbanks(129, 20, 3900, 40, 8000, 'slaney', 'slaney')],
    ['odd sizes: 33 bins -> 5 mels, batch 3, 1 frame', 3, 1, 33, melscaleFbanks(33, 100, 3000, 5, 8000)],
  ];
  for (const [name, batch, frames, nFreqs, fb] of cases) {
    itGpu(`matches the reference: ${name}`, async () => {
      const ctx = gpu();
      const data = randomArray(batch * nFreqs * frames, frames + nFreqs, 0, 2);
      const spec = fromData(ctx, data, [batch, nFreqs, frames], 'spec');
      const gpuFb = uploadFilterbank(ctx, fb);
      const out = melScale(ctx, spec, gpuFb);
      expect(out.shape).toEqual([batch, fb.nMels, frames]);
      const { atol, rtol } = melScaleOp.tolerance;
      expectClose(await toData(ctx, out), melScaleReference(data, batch, frames, fb.weights, nFreqs, fb.nMels), atol, rtol, name);
      freeFilterbank(ctx, gpuFb);
      free(ctx, spec);
      free(ctx, out);
    });
  }

  itGpu('rejects a spectrogram with the wrong number of bins', () => {
    const ctx = gpu();
    const spec = fromData(ctx, new Float32Array(10), [1, 10, 1], 'spec');
    const fb = uploadFilterbank(ctx, melscaleFbanks(11, 0, 100, 2, 200));
    expect(() => melScale(ctx, spec, fb)).toThrow(/11 frequency bins/);
    freeFilterbank(ctx, fb);
    free(ctx, spec);
  });
});
