import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData, type GpuArray } from '../../array';
import { GRU_VARIANTS, gru, gruBackward, gruOp, freeGruSaved, gruVariantFor, tuneGru, type GruVariant, type GruWeights } from './index';
import { gruBackwardReference, gruReference, type GruDims, type GruReferenceWeights } from './reference';
import torch from './gru_torch.json';

const KEYS = ['weightIh', 'weightHh', 'biasIh', 'biasHh'] as const;
const GRAD_KEYS = ['gradWeightIh', 'gradWeightHh', 'gradBiasIh', 'gradBiasHh'] as const;

/** Seeded weights for `dirs` directions, in (-0.6, 0.6) so the gates stay off saturation. */
function randomWeights(dims: GruDims, dirs: number, seed: number): GruReferenceWeights[] {
  const [, , input, hidden] = dims;
  return [...Array(dirs).keys()].map((d) => ({
    weightIh: randomArray(3 * hidden * input, seed + 10 * d, -0.6, 0.6),
    weightHh: randomArray(3 * hidden * hidden, seed + 10 * d + 1, -0.6, 0.6),
    biasIh: randomArray(3 * hidden, seed + 10 * d + 2, -0.6, 0.6),
    biasHh: randomArray(3 * hidden, seed + 10 * d + 3, -0.6, 0.6),
  }));
}

function shapesOf(dims: GruDims): Record<(typeof KEYS)[number], number[]> {
  const [, , input, hidden] = dims;
  return { weightIh: [3 * hidden, input], weightHh: [3 * hidden, hidden], biasIh: [3 * hidden], biasHh: [3 * hidden] };
}

describe('gru reference', () => {
  // (B, T, I, H) = (2, 3, 4, 5), one and two directions.
  const dims: GruDims = [2, 3, 4, 5];
  for (const dirs of [1, 2]) {
    const x = randomArray(2 * 3 * 4, 1, -1.5, 1.5);
    const weights = randomWeights(dims, dirs, 20);
    const upstream = randomArray(2 * 3 * dirs * 5, 2);
    const grads = gruBackwardReference(x, dims, weights, upstream);

    it(`gradInput matches finite differences with a random upstream gradient (${dirs} direction${dirs > 1 ? 's' : ''})`, () => {
      const numeric = numericGradient((p) => gruReference(p, dims, weights).output, x, upstream);
      expectClose(grads.gradInput, numeric, 1e-7, 1e-6, 'gradInput');
    });

    it(`every weight and bias gradient matches finite differences (${dirs} direction${dirs > 1 ? 's' : ''})`, () => {
      for (let d = 0; d < dirs; d++) {
        KEYS.forEach((key, g) => {
          const f = (p: Float64Array) => gruReference(x, dims, weights.map((w, e) => (e === d ? { ...w, [key]: p } : w))).output;
          const numeric = numericGradient(f, weights[d][key], upstream);
          expectClose(grads.gradWeights[d][GRAD_KEYS[g]], numeric, 1e-7, 1e-6, `direction ${d} ${GRAD_KEYS[g]}`);
        });
      }
    });
  }

  it('returns each direction\'s last hidden state: output[T-1] forward, output[0] reverse', () => {
    const [b, t, , h] = dims;
    const { output, hidden } = gruReference(randomArray(b * t * 4, 3), dims, randomWeights(dims, 2, 30));
    for (let n = 0; n < b; n++) {
      for (let j = 0; j < h; j++) {
        expect(hidden[n * h + j]).toBe(output[(n * t + t - 1) * 2 * h + j]);
        expect(hidden[(b + n) * h + j]).toBe(output[n * t * 2 * h + h + j]);
      }
    }
  });

  it('matches torch.nn.GRU (fixture from gen_gru.py), forward and backward, one and two directions', () => {
    const dims = torch.shape as unknown as GruDims;
    for (const c of torch.cases) {
      const weights = torchWeights(c.weights as Record<string, number[]>, c.bidirectional);
      const { output, hidden } = gruReference(c.x, dims, weights);
      expectClose(output, c.output, 1e-10, 1e-9, 'output');
      expectClose(hidden, c.hidden, 1e-10, 1e-9, 'hidden');
      const grads = gruBackwardReference(c.x, dims, weights, c.upstream);
      expectClose(grads.gradInput, c.gradInput, 1e-10, 1e-9, 'gradInput');
      const expected = torchWeights(c.grads as Record<string, number[]>, c.bidirectional);
      grads.gradWeights.forEach((g, d) => GRAD_KEYS.forEach((key, k) => expectClose(g[key], expected[d][KEYS[k]], 1e-10, 1e-9, `direction ${d} ${key}`)));
    }
  });
});

/** PyTorch's weight_ih_l0 … bias_hh_l0_reverse as one entry per direction. */
function torchWeights(values: Record<string, number[]>, bidirectional: boolean): GruReferenceWeights[] {
  const suffixes = bidirectional ? ['', '_reverse'] : [''];
  return suffixes.map((s) => ({
    weightIh: values[`weight_ih_l0${s}`], weightHh: values[`weight_hh_l0${s}`], biasIh: values[`bias_ih_l0${s}`], biasHh: values[`bias_hh_l0${s}`],
  }));
}

describeGpu('gru on the GPU', (gpu) => {
  const { atol, rtol, gradAtol = atol, gradRtol = rtol } = gruOp.tolerance;

  /** Runs gru and gruBackward on the GPU and reads every result back. */
  async function runGpu(dims: GruDims, weights: readonly GruReferenceWeights[], x: ArrayLike<number>, upstream: ArrayLike<number>, variant: GruVariant) {
    const ctx = gpu();
    const [b, t, i] = dims;
    const shapes = shapesOf(dims);
    const xs = fromData(ctx, Float32Array.from(x), [b, t, i], 'x');
    const ws: GruWeights[] = weights.map((w) => ({
      weightIh: fromData(ctx, Float32Array.from(w.weightIh), shapes.weightIh, 'weightIh'),
      weightHh: fromData(ctx, Float32Array.from(w.weightHh), shapes.weightHh, 'weightHh'),
      biasIh: fromData(ctx, Float32Array.from(w.biasIh), shapes.biasIh, 'biasIh'),
      biasHh: fromData(ctx, Float32Array.from(w.biasHh), shapes.biasHh, 'biasHh'),
    }));
    const { output, hidden, saved } = gru(ctx, xs, ws, { variant });
    const g = fromData(ctx, Float32Array.from(upstream), output.shape, 'gradOutput');
    const grads = gruBackward(ctx, xs, ws, saved, g, { variant });
    const result = {
      output: await toData(ctx, output),
      hidden: await toData(ctx, hidden),
      gradInput: await toData(ctx, grads.gradInput!),
      gradWeights: [] as Record<(typeof GRAD_KEYS)[number], Float32Array>[],
    };
    for (const w of grads.gradWeights) {
      const host = {} as Record<(typeof GRAD_KEYS)[number], Float32Array>;
      for (const key of GRAD_KEYS) host[key] = await toData(ctx, w[key]);
      result.gradWeights.push(host);
    }
    const arrays: GpuArray[] = [xs, g, output, hidden, grads.gradInput!, ...ws.flatMap((w) => KEYS.map((k) => w[k])), ...grads.gradWeights.flatMap((w) => GRAD_KEYS.map((k) => w[k]))];
    for (const a of arrays) free(ctx, a);
    freeGruSaved(ctx, saved);
    return result;
  }

  // (B, T, I, H) = (3, 7, 13, 9): none a multiple of the 64-wide workgroup; batch 1, T = 1, H = 70
  // (two step workgroups per batch row; sequence invocations looping over two units) and H = 300.
  const cases = [[3, 7, 13, 9], [1, 1, 2, 3], [1, 4, 5, 70], [2, 3, 4, 300]] as GruDims[];
  for (const variant of GRU_VARIANTS) for (const dims of cases) {
    for (const dirs of [1, 2]) {
      itGpu(`${variant}: matches the reference forward and backward, (B, T, I, H) = (${dims.join(', ')}), ${dirs} direction${dirs > 1 ? 's' : ''}`, async () => {
        const [b, t, i, h] = dims;
        const weights = randomWeights(dims, dirs, 40);
        const x = randomArray(b * t * i, 5, -1.5, 1.5);
        const upstream = randomArray(b * t * dirs * h, 6);
        const got = await runGpu(dims, weights, x, upstream, variant);
        const reference = gruReference(x, dims, weights);
        const referenceGrads = gruBackwardReference(x, dims, weights, upstream);
        expectClose(got.output, reference.output, atol, rtol, 'output');
        expectClose(got.hidden, reference.hidden, atol, rtol, 'hidden');
        expectClose(got.gradInput, referenceGrads.gradInput, gradAtol, gradRtol, 'gradInput');
        got.gradWeights.forEach((g, d) => GRAD_KEYS.forEach((key) => expectClose(g[key], referenceGrads.gradWeights[d][key], gradAtol, gradRtol, `direction ${d} ${key}`)));
      });
    }
  }

  for (const variant of GRU_VARIANTS) itGpu(`${variant}: matches torch.nn.GRU (fixture), forward and backward, one and two directions`, async () => {
    const dims = torch.shape as unknown as GruDims;
    for (const c of torch.cases) {
      const label = c.bidirectional ? 'bidirectional' : 'unidirectional';
      const got = await runGpu(dims, torchWeights(c.weights as Record<string, number[]>, c.bidirectional), c.x, c.upstream, variant);
      expectClose(got.output, c.output, 1e-5, 1e-5, `${label} output`);
      expectClose(got.hidden, c.hidden, 1e-5, 1e-5, `${label} hidden`);
      expectClose(got.gradInput, c.gradInput, 1e-5, 1e-5, `${label} gradInput`);
      const expected = torchWeights(c.grads as Record<string, number[]>, c.bidirectional);
      got.gradWeights.forEach((g, d) => GRAD_KEYS.forEach((key, k) => expectClose(g[key], expected[d][KEYS[k]], 1e-5, 1e-5, `${label} direction ${d} ${key}`)));
    }
  });

  itGpu('skips the input gradient when asked, with the same weight gradients', async () => {
    const ctx = gpu();
    const dims: GruDims = [2, 4, 3, 5];
    const [weights] = randomWeights(dims, 1, 50);
    const shapes = shapesOf(dims);
    const xs = fromData(ctx, randomArray(2 * 4 * 3, 7), [2, 4, 3], 'x');
    const w: GruWeights = {
      weightIh: fromData(ctx, Float32Array.from(weights.weightIh), shapes.weightIh, 'weightIh'), weightHh: fromData(ctx, Float32Array.from(weights.weightHh), shapes.weightHh, 'weightHh'),
      biasIh: fromData(ctx, Float32Array.from(weights.biasIh), shapes.biasIh, 'biasIh'), biasHh: fromData(ctx, Float32Array.from(weights.biasHh), shapes.biasHh, 'biasHh'),
    };
    const { output, hidden, saved } = gru(ctx, xs, [w]);
    const g = fromData(ctx, randomArray(2 * 4 * 5, 8), output.shape, 'gradOutput');
    const all = gruBackward(ctx, xs, [w], saved, g);
    const weightsOnly = gruBackward(ctx, xs, [w], saved, g, { inputGradient: false });
    expect(weightsOnly.gradInput).toBeNull();
    for (const key of GRAD_KEYS) expect(await toData(ctx, weightsOnly.gradWeights[0][key])).toEqual(await toData(ctx, all.gradWeights[0][key]));
    for (const a of [xs, g, output, hidden, all.gradInput!, ...KEYS.map((k) => w[k]), ...[all, weightsOnly].flatMap((r) => GRAD_KEYS.map((k) => r.gradWeights[0][k]))]) free(ctx, a);
    freeGruSaved(ctx, saved);
  });

  itGpu('tuneGru remembers a variant for the shape class, which gru() then uses', async () => {
    const ctx = gpu();
    const shape = { batch: 3, seqLen: 5, hiddenSize: 6, inputSize: 4, bidirectional: true };
    const [chosen] = await tuneGru(ctx, [shape]);
    expect(GRU_VARIANTS).toContain(chosen);
    expect(gruVariantFor(ctx, { batch: 3, seqLen: 5, hiddenSize: 6 })).toBe(chosen);
  });

  itGpu('rejects operands of the wrong shape, naming them', () => {
    const ctx = gpu();
    const x = fromData(ctx, new Float32Array(2 * 3 * 4), [2, 3, 4], 'x');
    const w = (shape: number[]) => fromData(ctx, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 'w');
    const bad: GruWeights = { weightIh: w([15, 3]), weightHh: w([15, 5]), biasIh: w([15]), biasHh: w([15]) };
    expect(() => gru(ctx, x, [bad])).toThrow(/weightIh has shape \[15, 3\], expected \[15, 4\]/);
    for (const a of [x, bad.weightIh, bad.weightHh, bad.biasIh, bad.biasHh]) free(ctx, a);
  });
});
