import { describe, expect, it, vi } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData, type GpuArray } from '../../array';
import {
  availableMatmulVariants, defaultMatmulVariant, matmul, matmulBackward, matmulOp, matmulShape, matmulShapeClass,
  matmulTuningKey, matmulVariantAvailable, matmulVariantFor, MATMUL_VARIANTS, tuneMatmul, type MatmulActivation,
} from './index';
import { packedDepth, packOperands, PACKED_A_ROWS, PACKED_B_COLS } from './packed';
import { matmulBackwardReference, matmulReference, type MatmulProblem } from './reference';

const TRANSPOSES = [[false, false], [true, false], [false, true], [true, true]] as const;

/** Stored shapes of a and b for a problem (2-D when batch is 1 and `flat`). */
function storedShapes(p: MatmulProblem, flat: boolean): [number[], number[]] {
  const sa = p.transposeA ? [p.k, p.m] : [p.m, p.k];
  const sb = p.transposeB ? [p.n, p.k] : [p.k, p.n];
  return flat ? [sa, sb] : [[p.batch, ...sa], [p.batch, ...sb]];
}

describe('matmul reference', () => {
  it('multiplies a small known product, with bias and relu', () => {
    // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]]; bias [-20, -60] then relu.
    const c = matmulReference({ batch: 1, m: 2, n: 2, k: 2, activation: 'relu' }, [1, 2, 3, 4], [5, 6, 7, 8], [-20, -60]);
    expect([...c]).toEqual([0, 0, 23, 0]);
  });

  for (const [transposeA, transposeB] of TRANSPOSES) {
    it(`backward matches finite differences (transposeA ${transposeA}, transposeB ${transposeB}, bias, relu, batch 2)`, () => {
      const p: MatmulProblem = { batch: 2, m: 3, n: 4, k: 5, transposeA, transposeB, activation: 'relu' };
      const a = randomArray(2 * 3 * 5, 1);
      const b = randomArray(2 * 5 * 4, 2);
      const bias = randomArray(4, 3, -0.5, 0.5);
      const up = randomArray(2 * 3 * 4, 4);
      const c = matmulReference(p, a, b, bias);
      expect(c.some((v) => v === 0), 'the relu masks some outputs').toBe(true);
      const { gradA, gradB, gradBias } = matmulBackwardReference(p, a, b, up, c);
      expectClose(gradA, numericGradient((x) => matmulReference(p, x, b, bias), a, up), 1e-6, 1e-5, 'gradA');
      expectClose(gradB, numericGradient((x) => matmulReference(p, a, x, bias), b, up), 1e-6, 1e-5, 'gradB');
      expectClose(gradBias, numericGradient((x) => matmulReference(p, a, b, x), bias, up), 1e-6, 1e-5, 'gradBias');
    });
  }

  it('checks shapes and names the sizes that disagree', () => {
    expect(matmulShape([2, 3, 4], [2, 4, 5])).toEqual({ batch: 2, m: 3, n: 5, k: 4 });
    expect(matmulShape([4, 3], [5, 4], true, true)).toEqual({ batch: 1, m: 3, n: 5, k: 4 });
    expect(() => matmulShape([3, 4], [5, 6])).toThrow(/op\(a\) is 3x4, op\(b\) is 5x6/);
    expect(() => matmulShape([2, 3, 4], [3, 4, 5])).toThrow(/batch/);
    expect(() => matmulShape([3, 4], [1, 4, 5])).toThrow(/must both be 2-D or both 3-D/);
  });

  it('groups shapes into tuning classes by their work and their products per operand element', () => {
    expect(matmulShapeClass({ m: 1024, n: 1024, k: 1024 })).toBe('macs2^30:reuse2^9');
    expect(matmulShapeClass({ m: 1000, n: 1100, k: 1024 })).toBe('macs2^30:reuse2^9');
    expect(matmulShapeClass({ m: 64, n: 64, k: 64 })).toBe('macs2^18:reuse2^5');
    // As much work as 512^3, far fewer products per operand element: its own choice.
    expect(matmulShapeClass({ m: 64, n: 128, k: 9216 })).toBe('macs2^27:reuse2^5');
    expect(matmulShapeClass({ m: 512, n: 512, k: 512 })).toBe('macs2^27:reuse2^8');
  });
});

// (m, n, k, batch): 1x1x1, odd sizes below and just past the 16-wide tiles, exact tiles, and M
// and N past a few workgroups of the subgroup and packed variants (whose last workgroup along M
// then has subgroups beyond the last panel of rows).
const CASES = [
  { m: 1, n: 1, k: 1, batch: 1 },
  { m: 7, n: 13, k: 5, batch: 3 },
  { m: 33, n: 65, k: 17, batch: 1 },
  { m: 64, n: 64, k: 64, batch: 1 },
  { m: 33, n: 65, k: 17, batch: 3 },
  { m: 300, n: 130, k: 3, batch: 2 },
];

describeGpu('matmul on the GPU', (gpu) => {
  const { atol, rtol, gradAtol = atol, gradRtol = rtol } = matmulOp.tolerance;

  async function check(p: MatmulProblem, variant: (typeof MATMUL_VARIANTS)[number], withBias: boolean, seed: number): Promise<void> {
    const ctx = gpu();
    const flat = p.batch === 1;
    const [sa, sb] = storedShapes(p, flat);
    const ad = randomArray(p.batch * p.m * p.k, seed);
    const bd = randomArray(p.batch * p.k * p.n, seed + 1);
    const biasData = randomArray(p.n, seed + 2);
    const a = fromData(ctx, ad, sa, 'a');
    const b = fromData(ctx, bd, sb, 'b');
    const bias = withBias ? fromData(ctx, biasData, [p.n], 'bias') : undefined;
    const c = matmul(ctx, a, b, { transposeA: p.transposeA, transposeB: p.transposeB, bias, activation: p.activation, variant });
    expect(c.shape).toEqual(flat ? [p.m, p.n] : [p.batch, p.m, p.n]);
    const what = `${variant} ${JSON.stringify(p)} bias ${withBias}`;
    expectClose(await toData(ctx, c), matmulReference(p, ad, bd, withBias ? biasData : undefined), atol, rtol, what);
    for (const x of [a, b, c, ...(bias ? [bias] : [])]) free(ctx, x);
  }

  // A variant the device cannot run (subgroup without 8-wide subgroups) must refuse clearly.
  itGpu('refuses a variant the device cannot run, and runs every other one', async () => {
    const ctx = gpu();
    const a = fromData(ctx, new Float32Array([2]), [1, 1], 'a');
    for (const variant of MATMUL_VARIANTS) {
      if (matmulVariantAvailable(ctx, variant)) {
        expect([...(await toData(ctx, matmul(ctx, a, a, { variant })))]).toEqual([4]);
      } else {
        expect(() => matmul(ctx, a, a, { variant })).toThrow(/cannot run/);
      }
    }
    expect(availableMatmulVariants(ctx)).toEqual(expect.arrayContaining(['naive', 'tiled', 'register']));
    if (ctx.adapter.name.includes('llvmpipe') && ctx.adapter.backend === 'vulkan') {
      expect(matmulVariantAvailable(ctx, 'subgroup'), 'lavapipe has 8-wide subgroups').toBe(true);
    }
    free(ctx, a);
  });

  for (const variant of MATMUL_VARIANTS) {
    itGpu(`${variant}: matches the reference for every shape and transpose, with and without bias + relu`, async () => {
      if (!matmulVariantAvailable(gpu(), variant)) return;
      let seed = 10;
      for (const shape of CASES) {
        for (const [transposeA, transposeB] of TRANSPOSES) {
          await check({ ...shape, transposeA, transposeB }, variant, false, seed++);
          await check({ ...shape, transposeA, transposeB, activation: 'relu' }, variant, true, seed++);
        }
      }
    });

    itGpu(`${variant}: backward (gradA, gradB, gradBias through a fused relu) matches the reference`, async () => {
      const ctx = gpu();
      if (!matmulVariantAvailable(ctx, variant)) return;
      let seed = 100;
      for (const shape of [CASES[1], CASES[2]]) {
        for (const [transposeA, transposeB] of TRANSPOSES) {
          for (const activation of ['none', 'relu'] as MatmulActivation[]) {
            const p: MatmulProblem = { ...shape, transposeA, transposeB, activation };
            const [sa, sb] = storedShapes(p, p.batch === 1);
            const ad = randomArray(p.batch * p.m * p.k, seed++);
            const bd = randomArray(p.batch * p.k * p.n, seed++);
            const biasData = randomArray(p.n, seed++);
            const up = randomArray(p.batch * p.m * p.n, seed++);
            const a = fromData(ctx, ad, sa, 'a');
            const b = fromData(ctx, bd, sb, 'b');
            const bias = fromData(ctx, biasData, [p.n], 'bias');
            const opts = { transposeA, transposeB, activation, variant };
            const c = matmul(ctx, a, b, { ...opts, bias });
            const g = fromData(ctx, up, c.shape, 'gradOutput');
            const grads = matmulBackward(ctx, a, b, g, { ...opts, hasBias: true, output: c });
            const expected = matmulBackwardReference(p, ad, bd, up, await toData(ctx, c));
            const what = `${variant} ${JSON.stringify(p)}`;
            expect(grads.gradA.shape).toEqual(a.shape);
            expect(grads.gradB.shape).toEqual(b.shape);
            expectClose(await toData(ctx, grads.gradA), expected.gradA, gradAtol, gradRtol, `${what} gradA`);
            expectClose(await toData(ctx, grads.gradB), expected.gradB, gradAtol, gradRtol, `${what} gradB`);
            expectClose(await toData(ctx, grads.gradBias!), expected.gradBias, gradAtol, gradRtol, `${what} gradBias`);
            for (const x of [a, b, bias, c, g, grads.gradA, grads.gradB, grads.gradBias!] as GpuArray[]) free(ctx, x);
          }
        }
      }
    });
  }

  // lavapipe compiles each pipeline at its first dispatch (about a second for these kernels), so a
  // cold first step pays for every distinct one: a Linear layer's forward (b transposed, bias) and
  // its two backward products (a transposed; neither) must share one pipeline per variant.
  for (const variant of MATMUL_VARIANTS) {
    itGpu(`${variant}: a Linear layer's forward and backward products share one pipeline`, async () => {
      const ctx = gpu();
      if (!matmulVariantAvailable(ctx, variant)) return;
      // lab-cnn's Linear(760, 10) at batch 32 and a smaller one of the same kind.
      for (const [batch, inputs, outputs] of [[32, 760, 10], [5, 7, 3]]) {
        const x = fromData(ctx, randomArray(batch * inputs, 41), [batch, inputs], 'x');
        const w = fromData(ctx, randomArray(outputs * inputs, 42), [outputs, inputs], 'w');
        const bias = fromData(ctx, randomArray(outputs, 43), [outputs], 'bias');
        const kernel = vi.spyOn(ctx, 'kernel');
        const y = matmul(ctx, x, w, { transposeB: true, bias, variant });
        const g = fromData(ctx, randomArray(batch * outputs, 44), y.shape, 'gradOutput');
        const grads = matmulBackward(ctx, x, w, g, { transposeB: true, hasBias: true, variant });
        const matmulPipelines = new Set(kernel.mock.results.map((r) => (r.value as { key: string }).key).filter((key) => key.startsWith(`matmul/${variant}`)));
        kernel.mockRestore();
        expect([...matmulPipelines], `${variant} at ${batch}x${inputs}x${outputs}`).toHaveLength(1);
        const expected = matmulBackwardReference({ batch: 1, m: batch, n: outputs, k: inputs, transposeB: true }, await toData(ctx, x), await toData(ctx, w), await toData(ctx, g), await toData(ctx, y));
        expectClose(await toData(ctx, grads.gradB), expected.gradB, gradAtol, gradRtol, `${variant} gradW`);
        for (const t of [x, w, bias, y, g, grads.gradA, grads.gradB, grads.gradBias!]) free(ctx, t);
      }
    });
  }

  itGpu('an empty inner dimension gives act(bias) in every row', async () => {
    const ctx = gpu();
    const a = fromData(ctx, new Float32Array(0), [3, 0], 'a');
    const b = fromData(ctx, new Float32Array(0), [0, 2], 'b');
    const bias = fromData(ctx, new Float32Array([1.5, -2]), [2], 'bias');
    const c = matmul(ctx, a, b, { bias, activation: 'relu' });
    expect([...(await toData(ctx, c))]).toEqual([1.5, 0, 1.5, 0, 1.5, 0]);
    for (const x of [a, b, bias, c]) free(ctx, x);
  });

  itGpu('picks the default variant until tuned, then the measured one', async () => {
    const ctx = gpu();
    const shape = { m: 5, n: 6, k: 7 };
    expect(matmulVariantFor(ctx, shape)).toBe(defaultMatmulVariant(ctx));
    const software = matmulVariantAvailable(ctx, 'subgroup') ? 'subgroup' : 'register';
    expect(defaultMatmulVariant(ctx)).toBe(ctx.adapter.isSoftware ? software : 'tiled');
    // Large products pack their operands first where subgroups run.
    const large = matmulVariantAvailable(ctx, 'packed') ? 'packed' : 'register';
    expect(defaultMatmulVariant(ctx, { m: 1024, n: 1024, k: 1024 })).toBe(ctx.adapter.isSoftware ? large : 'tiled');
    expect(defaultMatmulVariant(ctx, { m: 32, n: 10, k: 760 })).toBe(ctx.adapter.isSoftware ? software : 'tiled');
    expect(defaultMatmulVariant(ctx, { m: 64, n: 128, k: 9216 }), 'few products per packed value').toBe(ctx.adapter.isSoftware ? software : 'tiled');
    const [chosen] = await tuneMatmul(ctx, [shape]);
    expect(availableMatmulVariants(ctx)).toContain(chosen);
    expect(matmulVariantFor(ctx, shape)).toBe(chosen);
    expect(matmulVariantFor(ctx, { m: 6, n: 5, k: 7 }), 'same class, same choice').toBe(chosen);
  });

  itGpu('notes an untuned shape when it runs and measures it in tunePending()', async () => {
    const ctx = gpu();
    // 12 multiply-adds: a shape class (2^3) that no other test here tunes.
    const shape = { m: 3, n: 2, k: 2, batch: 1 };
    const a = fromData(ctx, randomArray(6, 31), [3, 2], 'a');
    const b = fromData(ctx, randomArray(4, 32), [2, 2], 'b');
    const key = matmulTuningKey(shape);
    expect(key, 'the key names every candidate').toContain(MATMUL_VARIANTS.join('+'));
    expect(key, 'and the timing method, so stores timed one run per submit are measured again').toContain(':repeat:');
    const before = ctx.chosen(key);
    free(ctx, matmul(ctx, a, b));
    const tuned = await ctx.tunePending();
    if (before === undefined) expect(tuned).toBeGreaterThanOrEqual(1);
    expect(ctx.chosen(key)).toBeDefined();
    free(ctx, matmul(ctx, a, b));
    expect(await ctx.tunePending(), 'a measured shape is not measured again').toBe(0);
    free(ctx, a);
    free(ctx, b);
  });
  // The packed variant's panels, element by element: a wrong stride or a missing zero would
  // otherwise only show as a wrong product. K = 3 is odd, so the panels have a zero row past K.
  for (const [transposeA, transposeB] of TRANSPOSES) {
    itGpu(`packs op(a) into 32-row and op(b) into 64-column panels, zero past the edges and past K (transposeA ${transposeA}, transposeB ${transposeB})`, async () => {
      const ctx = gpu();
      const p = { batch: 2, m: 37, n: 70, k: 3, transposeA, transposeB };
      const [sa, sb] = storedShapes(p, false);
      const ad = randomArray(p.batch * p.m * p.k, 7);
      const bd = randomArray(p.batch * p.k * p.n, 8);
      const a = fromData(ctx, ad, sa, 'a');
      const b = fromData(ctx, bd, sb, 'b');
      const [packedA, packedB] = packOperands(ctx, a, b, p, transposeA, transposeB);
      // op(a)[z, r, i] and op(b)[z, i, c] straight from the stored layouts.
      const opA = (z: number, r: number, i: number) => ad[z * p.m * p.k + (transposeA ? i * p.m + r : r * p.k + i)];
      const opB = (z: number, i: number, c: number) => bd[z * p.k * p.n + (transposeB ? c * p.k + i : i * p.n + c)];
      const panels = Math.ceil(p.m / PACKED_A_ROWS);
      const strips = Math.ceil(p.n / PACKED_B_COLS);
      const depth = packedDepth(p.k);
      expect(depth).toBe(4);
      const expectedA = new Float32Array(p.batch * panels * depth * PACKED_A_ROWS);
      const expectedB = new Float32Array(p.batch * strips * depth * PACKED_B_COLS);
      for (let z = 0; z < p.batch; z++) {
        for (let i = 0; i < p.k; i++) {
          for (let r = 0; r < p.m; r++) expectedA[((z * panels + Math.floor(r / PACKED_A_ROWS)) * depth + i) * PACKED_A_ROWS + (r % PACKED_A_ROWS)] = opA(z, r, i);
          for (let c = 0; c < p.n; c++) expectedB[((z * strips + Math.floor(c / PACKED_B_COLS)) * depth + i) * PACKED_B_COLS + (c % PACKED_B_COLS)] = opB(z, i, c);
        }
      }
      expect([...(await toData(ctx, packedA))]).toEqual([...expectedA]);
      expect([...(await toData(ctx, packedB))]).toEqual([...expectedB]);
      for (const x of [a, b, packedA, packedB]) free(ctx, x);
    });
  }
});

