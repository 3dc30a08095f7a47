import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData } from '@duet/kernels';
import { golden } from '../../../test/golden';
import { frameCount, type SpectrogramConfig } from '../../config';
import { chooseStftStrategy, createStftTables, fftRadices, freeStftTables, spectrogram, spectrogramOp, stftStrategies, type StftStrategy } from './index';
import { spectrogramReference } from './reference';

const base: SpectrogramConfig = { nFft: 64, winLength: 64, hopLength: 16, pad: 0, power: 2, center: true, padMode: 'reflect' };

/** Compare relative to the largest value of the clip: small bins carry absolute float32 error. */
function expectCloseToScale(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  expectClose(actual, expected, tol * scale, tol, what);
}

describe('spectrogram reference', () => {
  it('has torch.stft frame counts', () => {
    expect(frameCount(1000, { ...base, nFft: 400, hopLength: 200 })).toBe(6);
    expect(frameCount(500, { ...base, nFft: 64, hopLength: 23, center: false })).toBe(19);
    expect(frameCount(500, { ...base, hopLength: 17, pad: 7 })).toBe(1 + Math.floor(514 / 17));
  });

  it.each(golden.stft.cases.map((c) => [`nFft ${c.nFft} win ${c.winLength} hop ${c.hopLength} center ${c.center} ${c.padMode} pad ${c.pad} power ${c.power}`, c] as const))(
    'matches torchaudio: %s',
    (_, c) => {
      const out = spectrogramReference(golden.stft.signal, 1, c);
      expect([1, ...c.shape]).toEqual([1, c.nFft / 2 + 1, out.length / (c.nFft / 2 + 1)]);
      expectCloseToScale(out, c.values, 2e-6, 'torchaudio spectrogram');
    },
  );

  it('puts a cosine at bin k into bin k only', () => {
    const n = 256;
    const x = Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * 8 * i) / 64));
    const out = spectrogramReference(x, 1, { ...base, power: 1 });
    const frames = frameCount(n, base);
    const t = 8; // a frame well inside the clip
    const column = Array.from({ length: 33 }, (_, k) => out[k * frames + t]);
    expect(column.indexOf(Math.max(...column))).toBe(8);
    // Hann leaks into the neighbours only: bins 2 away and beyond are at rounding level.
    expect(Math.max(...column.filter((_, k) => Math.abs(k - 8) > 1))).toBeLessThan(1e-9);
  });
});

describeGpu('spectrogram on the GPU', (gpu) => {
  const cases: [string, number, number, SpectrogramConfig][] = [
    ['defaults-like nFft 400, batch 2', 2, 1000, { ...base, nFft: 400, winLength: 400, hopLength: 200 }],
    ['odd nFft 63, win 50, hop 17, magnitude, batch 3', 3, 301, { ...base, nFft: 63, winLength: 50, hopLength: 17, power: 1 }],
    ['center=false, hop 3, batch 1', 1, 150, { ...base, nFft: 32, winLength: 31, hopLength: 3, center: false }],
    ['constant pad 5, power 1.5, stride 2', 2, 97, { ...base, nFft: 48, winLength: 48, hopLength: 2, pad: 5, padMode: 'constant', power: 1.5 }],
    ['replicate padding', 1, 120, { ...base, nFft: 40, winLength: 36, hopLength: 11, padMode: 'replicate' }],
    ['circular padding', 1, 120, { ...base, nFft: 40, winLength: 36, hopLength: 11, padMode: 'circular' }],
    // (8 - 1) * 1000 + 2048 = 9048 floats exceed 16 or 32 KiB of workgroup memory: fewer frames per workgroup.
    ['nFft 2048, hop 1000: a smaller frame block', 1, 5000, { ...base, nFft: 2048, winLength: 2000, hopLength: 1000 }],
  ];
  for (const [name, batch, samples, config] of cases) {
    itGpu(`matches the reference with every strategy that applies: ${name}`, async () => {
      const ctx = gpu();
      const data = randomArray(batch * samples, samples);
      const x = fromData(ctx, data, [batch, samples], 'x');
      const expected = spectrogramReference(data, batch, config);
      for (const strategy of stftStrategies(ctx, config.nFft)) {
        const tables = createStftTables(ctx, config, strategy);
        const spec = spectrogram(ctx, x, config, tables);
        expect(spec.shape).toEqual([batch, Math.floor(config.nFft / 2) + 1, frameCount(samples, config)]);
        expectCloseToScale(await toData(ctx, spec), expected, spectrogramOp.tolerance.rtol, `${name} (${strategy})`);
        freeStftTables(ctx, tables);
        free(ctx, spec);
      }
      free(ctx, x);
    });
  }

  itGpu('runs the FFT for sizes made of 2, 3 and 5 (radix-2, -3, -4 and -5 passes)', async () => {
    const ctx = gpu();
    expect(fftRadices(400)).toEqual([4, 4, 5, 5]);
    expect(fftRadices(63)).toBeNull();
    for (const nFft of [2, 6, 8, 45, 96, 100, 128, 270]) {
      const config: SpectrogramConfig = { ...base, nFft, winLength: nFft, hopLength: Math.max(1, Math.floor(nFft / 3)), power: 1 };
      expect(stftStrategies(ctx, nFft)).toEqual(['dft', 'fft']);
      const samples = 3 * nFft + 5;
      const data = randomArray(2 * samples, nFft);
      const x = fromData(ctx, data, [2, samples], 'x');
      const tables = createStftTables(ctx, config, 'fft' satisfies StftStrategy);
      const spec = spectrogram(ctx, x, config, tables);
      expectCloseToScale(await toData(ctx, spec), spectrogramReference(data, 2, config), spectrogramOp.tolerance.rtol, `fft nFft ${nFft}`);
      freeStftTables(ctx, tables);
      free(ctx, x);
      free(ctx, spec);
    }
  });

  itGpu('matches torchaudio on the golden signal', async () => {
    const ctx = gpu();
    const x = fromData(ctx, Float32Array.from(golden.stft.signal), [1, golden.stft.signal.length], 'x');
    for (const c of golden.stft.cases) {
      for (const strategy of stftStrategies(ctx, c.nFft)) {
        const tables = createStftTables(ctx, c, strategy);
        const spec = spectrogram(ctx, x, c, tables);
        expectCloseToScale(await toData(ctx, spec), c.values, spectrogramOp.tolerance.rtol, `nFft ${c.nFft} (${strategy})`);
        freeStftTables(ctx, tables);
        free(ctx, spec);
      }
    }
    free(ctx, x);
  });

  itGpu('chooses a strategy by timing each once, then remembers it', async () => {
    const ctx = gpu();
    const config: SpectrogramConfig = { ...base, nFft: 96, winLength: 96, hopLength: 37 };
    const first = await chooseStftStrategy(ctx, config, [2, 500]);
    expect(['dft', 'fft']).toContain(first);
    expect(ctx.chosen('dsp/stft/nFft=96/hop=37')).toBe(first);
    const remembered = [...Array(3)].map(() => chooseStftStrategy(ctx, config, [2, 500]));
    expect(await Promise.all(remembered)).toEqual([first, first, first]);
    expect(await chooseStftStrategy(ctx, { ...config, nFft: 63, winLength: 63 })).toBe('dft');
  });

  itGpu('names the limit when one frame does not fit workgroup memory', () => {
    const ctx = gpu();
    const nFft = ctx.limits.maxComputeWorkgroupStorageSize / 4 + 2;
    const x = fromData(ctx, new Float32Array(2 * nFft), [1, 2 * nFft], 'x');
    expect(() => spectrogram(ctx, x, { ...base, nFft, winLength: nFft })).toThrow(/maxComputeWorkgroupStorageSize/);
    free(ctx, x);
  });

  itGpu('refuses reflect padding longer than the clip, like torch', () => {
    const ctx = gpu();
    const x = fromData(ctx, new Float32Array(10), [1, 10], 'x');
    expect(() => spectrogram(ctx, x, { ...base, nFft: 64 })).toThrow(/reflect padding of 32/);
    free(ctx, x);
  });
});
