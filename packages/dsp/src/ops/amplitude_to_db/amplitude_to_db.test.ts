import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, seededRandom } from '@duet/gpu/testing';
import { fromData, free, toData } from '@duet/kernels';
import { amplitudeToDBConfig } from '../../config';
import { amplitudeToDB, amplitudeToDBOp } from './index';
import { amplitudeToDBReference } from './reference';

/** Positive values spread over ~16 decades, with exact zeros (clamped to amin). */
function powers(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 0 : 10 ** (-14 + 16 * rand())));
}

describe('amplitude_to_db reference', () => {
  it('uses 10 for power, 20 for magnitude, amin 1e-10', () => {
    expect([...amplitudeToDBReference([100, 0], 1, amplitudeToDBConfig())]).toEqual([20, -100]);
    expect([...amplitudeToDBReference([100], 1, amplitudeToDBConfig({ stype: 'magnitude' }))]).toEqual([40]);
  });

  it('floors each clip at its own max - topDb', () => {
    const y = amplitudeToDBReference([1, 1e-9, 1e-2, 1e-12], 2, amplitudeToDBConfig({ topDb: 30 }));
    expect([...y]).toEqual([0, -30, -20, -50]);
  });

  it('rejects a negative topDb like torchaudio', () => {
    expect(() => amplitudeToDBConfig({ topDb: -1 })).toThrow(/positive/);
  });
});

describeGpu('amplitude_to_db on the GPU', (gpu) => {
  const cases: [string, number[], Parameters<typeof amplitudeToDBConfig>[0]][] = [
    ['power, no topDb, (2, 7, 13)', [2, 7, 13], {}],
    ['magnitude, topDb 80, (3, 5, 11)', [3, 5, 11], { stype: 'magnitude', topDb: 80 }],
    ['power, topDb 40, batch 1, clip larger than a workgroup', [1, 40, 29], { topDb: 40 }],
    ['ref 1e-3 and amin 1e-5', [2, 3, 3], { refValue: 1e-3, amin: 1e-5 }],
  ];
  for (const [name, shape, options] of cases) {
    itGpu(`matches the reference: ${name}`, async () => {
      const ctx = gpu();
      const data = powers(shape.reduce((a, b) => a * b, 1), shape[2]);
      const x = fromData(ctx, data, shape, 'x');
      const y = amplitudeToDB(ctx, x, options);
      const { atol, rtol } = amplitudeToDBOp.tolerance;
      expectClose(await toData(ctx, y), amplitudeToDBReference(data, shape[0], amplitudeToDBConfig(options)), atol, rtol, name);
      free(ctx, x);
      free(ctx, y);
    });
  }
});
