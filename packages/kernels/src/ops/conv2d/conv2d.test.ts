import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, numericGradient, randomArray } from '@duet/gpu/testing';
import { fromData, free, toData, type GpuArray } from '../../array';
import {
  CONV2D_VARIANTS, availableConv2dVariants, conv2d, conv2dBackwardBias, conv2dBackwardInput, conv2dBackwardReluBias, conv2dBackwardWeight, conv2dBackwardWeightReluBias, conv2dGeometry, conv2dOp,
  conv2dOutputShape, conv2dVariantAvailable, defaultConv2dVariant, tuneConv2d, conv2dTuningKey, type Conv2dDirection, type Conv2dOptions,
} from './index';
import { rowWindow } from './variants';
import {
  conv2dBackwardBiasReference, conv2dBackwardInputReference, conv2dBackwardWeightReference, conv2dReference, type Conv2dGeometry,
} from './reference';

interface Case extends Conv2dOptions {
  readonly x: [number, number, number, number];
  readonly weight: [number, number, number, number];
}

// Awkward shapes: batch 1 and 3, Cin 1, 3 and 5, odd sizes, kernels 1/3/5/7 (and 3x5), strides
// 1/2/3, padding 0/1/2, dilation 1/2; the 3rd to 5th from the end span several GEMM tiles (K, N,
// then M) and leave partial register blocks of channels (13 = 8 + 5). For the subgroup variant
// (blocks of 16 channels x 32 columns, 4*WG columns per workgroup): Cout 1, 10, 17 and 33 leave
// partial channel blocks, no case has B*H'*W' a multiple of 32, Cin 17 gives gradInput two
// channel blocks and gradWeight 153 columns, x [2, 3, 17, 19] more than one workgroup of
// columns, and the small layers with batch > 1 (Cout <= 16, <= 32 taps: one workgroup) split
// the gradWeight reduction (split-K).
const CASES: Case[] = [
  { x: [1, 1, 7, 9], weight: [3, 1, 3, 3] },
  { x: [3, 3, 11, 8], weight: [5, 3, 5, 5], stride: 2, padding: 2 },
  { x: [1, 3, 13, 10], weight: [7, 3, 7, 7], stride: 3, padding: 1 },
  { x: [3, 1, 9, 12], weight: [10, 1, 3, 3], stride: 3, padding: 1, dilation: 2 },
  { x: [1, 3, 6, 5], weight: [9, 3, 1, 1], stride: 2 },
  { x: [3, 3, 10, 11], weight: [4, 3, 3, 5], stride: [1, 2], padding: [2, 1], dilation: [2, 1] },
  { x: [2, 5, 12, 13], weight: [20, 5, 3, 3], padding: 1 },
  { x: [2, 13, 12, 13], weight: [13, 13, 3, 3], stride: 2, padding: 1 },
  { x: [1, 2, 5, 6], weight: [70, 2, 3, 3], padding: 1 },
  { x: [1, 5, 9, 7], weight: [1, 5, 3, 3], padding: 1 },
  { x: [3, 5, 7, 11], weight: [17, 5, 3, 3], padding: 1 },
  { x: [1, 1, 15, 13], weight: [33, 1, 5, 5], stride: 2, padding: 2 },
  { x: [3, 17, 8, 9], weight: [10, 17, 3, 3], padding: 1, dilation: 2 },
  { x: [2, 3, 17, 19], weight: [6, 3, 3, 3], padding: 1 },
  // gradInput's pixel variant takes images in blocks of 32: 35 leaves a partial second block.
  { x: [35, 3, 5, 6], weight: [4, 3, 3, 3], stride: 2, padding: 1 },
  // forward's row variant reads its window as vec4s where rows are multiples of 4 wide: lab-cnn's
  // conv2 in small (outputs 4 wide, window 11 -> 12); padding 4 along W puts whole vec4s outside
  // the row and 11 outputs leave a partial span; a window of 34 (> 32) falls back to subgroup.
  { x: [3, 2, 9, 12], weight: [10, 2, 5, 5], stride: 2 },
  { x: [2, 3, 7, 16], weight: [5, 3, 3, 3], stride: [1, 2], padding: [1, 4] },
  { x: [1, 2, 5, 40], weight: [3, 2, 3, 11], dilation: [1, 3] },
  // A window of 31 values, 32 in vec4s: forward's row variant at its MAX_WINDOW.
  { x: [1, 1, 4, 40], weight: [2, 1, 2, 3], stride: [1, 8], dilation: [1, 3] },
];

const describeCase = (c: Case) =>
  `x [${c.x}] w [${c.weight}] s ${String(c.stride ?? 1)} p ${String(c.padding ?? 0)} d ${String(c.dilation ?? 1)}`;

const { atol, rtol, gradAtol = atol, gradRtol = rtol } = conv2dOp.tolerance;
const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('conv2d reference', () => {
  // Tiny: finite differences cost two full convolutions per input element.
  const g = conv2dGeometry([2, 2, 5, 6], [3, 2, 3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] });
  const x = randomArray(2 * 2 * 5 * 6, 1);
  const w = randomArray(3 * 2 * 3 * 2, 2);
  const bias = randomArray(3, 3);
  const upstream = randomArray(count(conv2dOutputShape(g)), 4);

  it('gradInput matches finite differences with a random upstream gradient', () => {
    const numeric = numericGradient((p) => conv2dReference(g, p, w, bias), x, upstream);
    expectClose(conv2dBackwardInputReference(g, upstream, w), numeric, 1e-6, 1e-5, 'gradInput');
  });

  it('gradWeight and gradBias match finite differences', () => {
    const numericW = numericGradient((p) => conv2dReference(g, x, p, bias), w, upstream);
    expectClose(conv2dBackwardWeightReference(g, upstream, x), numericW, 1e-6, 1e-5, 'gradWeight');
    const numericB = numericGradient((p) => conv2dReference(g, x, w, p), bias, upstream);
    expectClose(conv2dBackwardBiasReference(g, upstream), numericB, 1e-6, 1e-5, 'gradBias');
  });

  it('matches torch.nn.functional.conv2d and its gradients (golden fixture from gen_conv2d.py)', () => {
    const golden = loadGolden();
    const fg = conv2dGeometry(golden.xShape, golden.weightShape, golden);
    expectClose(conv2dReference(fg, golden.x, golden.weight, golden.bias), golden.y, 1e-5, 1e-5, 'forward');
    expectClose(conv2dBackwardInputReference(fg, golden.gradOutput, golden.weight), golden.gradInput, 1e-5, 1e-5, 'gradInput');
    expectClose(conv2dBackwardWeightReference(fg, golden.gradOutput, golden.x), golden.gradWeight, 1e-5, 1e-5, 'gradWeight');
    expectClose(conv2dBackwardBiasReference(fg, golden.gradOutput), golden.gradBias, 1e-5, 1e-5, 'gradBias');
  });

  it('sizes the row variant\'s input window, in vec4s only where rows and its start are multiples of 4', () => {
    // lab-cnn's conv1 (41 wide: scalar loads) and conv2 (12 wide: 3 vec4s for 11 values).
    expect(rowWindow(conv2dGeometry([32, 1, 128, 41], [10, 1, 7, 7], { stride: 3 }))).toEqual({ length: 16, vec4: false });
    expect(rowWindow(conv2dGeometry([32, 10, 41, 12], [10, 10, 5, 5], { stride: 2 }))).toEqual({ length: 12, vec4: true });
    expect(rowWindow(conv2dGeometry([2, 3, 7, 16], [5, 3, 3, 3], { stride: [1, 2], padding: [1, 4] }))).toEqual({ length: 12, vec4: true });
    expect(rowWindow(conv2dGeometry([2, 3, 7, 16], [5, 3, 3, 3], { padding: [1, 1] })).vec4, 'padding 1 moves the start off 4').toBe(false);
    expect(rowWindow(conv2dGeometry([1, 2, 5, 40], [3, 2, 3, 11], { dilation: [1, 3] }))).toEqual({ length: 36, vec4: true }); // > 32: subgroup runs
  });

  it('follows PyTorch\'s output size formula and rejects kernels that do not fit', () => {
    expect(conv2dOutputShape(conv2dGeometry([32, 1, 128, 241], [10, 1, 7, 7], { stride: 3 }))).toEqual([32, 10, 41, 79]);
    expect(conv2dOutputShape(conv2dGeometry([1, 1, 8, 8], [1, 1, 3, 3], { stride: 2, padding: 1, dilation: 2 }))).toEqual([1, 1, 3, 3]);
    expect(() => conv2dGeometry([1, 1, 4, 4], [1, 1, 5, 5])).toThrow(/does not fit/);
    expect(() => conv2dGeometry([1, 2, 4, 4], [1, 3, 1, 1])).toThrow(/input channels/);
  });
});

describeGpu('conv2d on the GPU', (gpu) => {
  // The variants this device can run (subgroup needs 8-wide subgroups); tests loop over these.
  const variants = <D extends Conv2dDirection>(direction: D) => availableConv2dVariants(gpu(), direction);

  for (const c of CASES) {
    itGpu(`every variant matches the reference, forward and backward: ${describeCase(c)}`, async () => {
      const ctx = gpu();
      const g = conv2dGeometry(c.x, c.weight, c);
      const outShape = conv2dOutputShape(g);
      const xs = randomArray(count(c.x), 11);
      const ws = randomArray(count(c.weight), 12);
      const bs = randomArray(c.weight[0], 13);
      const up = randomArray(count(outShape), 14);
      const x = fromData(ctx, xs, c.x, 'x');
      const w = fromData(ctx, ws, c.weight, 'w');
      const b = fromData(ctx, bs, [c.weight[0]], 'b');
      const gy = fromData(ctx, up, outShape, 'gy');
      const made: GpuArray[] = [x, w, b, gy];
      const expected = conv2dReference(g, xs, ws, bs);
      for (const variant of variants('forward')) {
        const y = conv2d(ctx, x, w, b, { ...c, variant });
        made.push(y);
        expect(y.shape).toEqual(outShape);
        expectClose(await toData(ctx, y), expected, atol, rtol, `forward ${variant}`);
      }
      const expectedInput = conv2dBackwardInputReference(g, up, ws);
      for (const variant of variants('backwardInput')) {
        const gx = conv2dBackwardInput(ctx, gy, w, c.x, { ...c, variant });
        made.push(gx);
        expectClose(await toData(ctx, gx), expectedInput, gradAtol, gradRtol, `gradInput ${variant}`);
      }
      const expectedWeight = conv2dBackwardWeightReference(g, up, xs);
      for (const variant of variants('backwardWeight')) {
        const gw = conv2dBackwardWeight(ctx, gy, x, c.weight, { ...c, variant });
        made.push(gw);
        expectClose(await toData(ctx, gw), expectedWeight, gradAtol, gradRtol, `gradWeight ${variant}`);
      }
      const gb = conv2dBackwardBias(ctx, gy);
      made.push(gb);
      expectClose(await toData(ctx, gb), conv2dBackwardBiasReference(g, up), gradAtol, gradRtol, 'gradBias');
      for (const a of made) free(ctx, a);
    });
  }

  itGpu('fuses relu and works without a bias in every variant', async () => {
    const ctx = gpu();
    const c: Case = { x: [3, 3, 9, 7], weight: [6, 3, 3, 3], stride: 2, padding: 1 };
    const g = conv2dGeometry(c.x, c.weight, c);
    const xs = randomArray(count(c.x), 21);
    const ws = randomArray(count(c.weight), 22);
    const x = fromData(ctx, xs, c.x, 'x');
    const w = fromData(ctx, ws, c.weight, 'w');
    const plain = conv2dReference(g, xs, ws);
    const rectified = conv2dReference(g, xs, ws, null, true);
    expect(rectified.some((v, i) => v !== plain[i])).toBe(true);
    for (const variant of variants('forward')) {
      const y = conv2d(ctx, x, w, null, { ...c, variant, relu: true });
      expectClose(await toData(ctx, y), rectified, atol, rtol, `relu ${variant}`);
      free(ctx, y);
    }
    free(ctx, x);
    free(ctx, w);
  });

  // H'*W' = 10*12 = 120: 30 vec4s, one partial pass of the 64-wide workgroup (the fused kernel);
  // 18*20 = 360 (90 vec4s, more than one pass) and 7*6 = 42 (not a multiple of 4) take the two
  // kernels it fuses.
  const reluBiasCases: Case[] = [
    { x: [3, 2, 12, 14], weight: [7, 2, 3, 3] },
    { x: [3, 2, 20, 22], weight: [7, 2, 3, 3] },
    { x: [2, 3, 9, 8], weight: [5, 3, 3, 3] },
  ];
  for (const c of reluBiasCases) {
    itGpu(`backward through a fused relu to the bias masks the gradient where y <= 0 and sums it per channel: ${describeCase(c)}`, async () => {
      const ctx = gpu();
      const g = conv2dGeometry(c.x, c.weight, c);
      const outShape = conv2dOutputShape(g);
      const ys = conv2dReference(g, randomArray(count(c.x), 31), randomArray(count(c.weight), 32), randomArray(c.weight[0], 33), true);
      expect(ys.some((v) => v === 0) && ys.some((v) => v > 0)).toBe(true);
      const up = randomArray(count(outShape), 34);
      const masked = up.map((v, i) => (ys[i] > 0 ? v : 0));
      const y = fromData(ctx, Float32Array.from(ys), outShape, 'y');
      const gy = fromData(ctx, up, outShape, 'gy');
      const { gradConv, gradBias } = conv2dBackwardReluBias(ctx, y, gy);
      expect(gradConv.shape).toEqual(outShape);
      expectClose(await toData(ctx, gradConv), masked, 0, 0, 'gradConv');
      expectClose(await toData(ctx, gradBias), conv2dBackwardBiasReference(g, masked), gradAtol, gradRtol, 'gradBias');
      for (const a of [y, gy, gradConv, gradBias]) free(ctx, a);
    });
  }

  // A first layer's backward with the relu mask and the bias folded into gradWeight (the
  // subgroup variant; the others take the separate kernels). Batch 1 and 4: one split and
  // several (a column block of 49 + 1 taps is one workgroup); 31 taps + the bias column fill a
  // block of 32 exactly; Cout 17 gives two channel blocks.
  const firstLayerCases: Case[] = [
    { x: [4, 1, 20, 11], weight: [10, 1, 7, 7], stride: 3 },
    { x: [1, 1, 20, 11], weight: [10, 1, 7, 7], stride: 3 },
    { x: [3, 1, 9, 40], weight: [17, 1, 1, 31], padding: [0, 2] },
    { x: [5, 3, 8, 9], weight: [6, 3, 3, 3], padding: 1 },
  ];
  for (const c of firstLayerCases) {
    itGpu(`gradWeight with the relu mask and the bias folded in matches mask, then gradWeight and gradBias, in every variant: ${describeCase(c)}`, async () => {
      const ctx = gpu();
      const g = conv2dGeometry(c.x, c.weight, c);
      const outShape = conv2dOutputShape(g);
      const xs = randomArray(count(c.x), 41);
      const ys = conv2dReference(g, xs, randomArray(count(c.weight), 42), randomArray(c.weight[0], 43), true);
      expect(ys.some((v) => v === 0) && ys.some((v) => v > 0)).toBe(true);
      const up = randomArray(count(outShape), 44);
      const masked = up.map((v, i) => (ys[i] > 0 ? v : 0));
      const x = fromData(ctx, xs, c.x, 'x');
      const y = fromData(ctx, Float32Array.from(ys), outShape, 'y');
      const gy = fromData(ctx, up, outShape, 'gy');
      for (const variant of variants('backwardWeight')) {
        const { gradWeight, gradBias } = conv2dBackwardWeightReluBias(ctx, y, gy, x, c.weight, { ...c, variant });
        expect(gradWeight.shape).toEqual(c.weight);
        expectClose(await toData(ctx, gradWeight), conv2dBackwardWeightReference(g, masked, xs), gradAtol, gradRtol, `gradWeight ${variant}`);
        expectClose(await toData(ctx, gradBias), conv2dBackwardBiasReference(g, masked), gradAtol, gradRtol, `gradBias ${variant}`);
        free(ctx, gradWeight);
        free(ctx, gradBias);
      }
      for (const a of [x, y, gy]) free(ctx, a);
    });
  }

  itGpu('matches torch on the golden case with every variant', async () => {
    const ctx = gpu();
    const golden = loadGolden();
    const x = fromData(ctx, Float32Array.from(golden.x), golden.xShape, 'x');
    const w = fromData(ctx, Float32Array.from(golden.weight), golden.weightShape, 'w');
    const b = fromData(ctx, Float32Array.from(golden.bias), [golden.weightShape[0]], 'b');
    const gy = fromData(ctx, Float32Array.from(golden.gradOutput), golden.yShape, 'gy');
    for (const variant of variants('forward')) {
      expectClose(await toData(ctx, conv2d(ctx, x, w, b, { ...golden, variant })), golden.y, atol, rtol, `forward ${variant}`);
    }
    for (const variant of variants('backwardInput')) {
      const gx = conv2dBackwardInput(ctx, gy, w, golden.xShape, { ...golden, variant });
      expectClose(await toData(ctx, gx), golden.gradInput, gradAtol, gradRtol, `gradInput ${variant}`);
    }
    for (const variant of variants('backwardWeight')) {
      const gw = conv2dBackwardWeight(ctx, gy, x, golden.weightShape, { ...golden, variant });
      expectClose(await toData(ctx, gw), golden.gradWeight, gradAtol, gradRtol, `gradWeight ${variant}`);
    }
    expectClose(await toData(ctx, conv2dBackwardBias(ctx, gy)), golden.gradBias, gradAtol, gradRtol, 'gradBias');
  });

  // A variant the device cannot run (subgroup without 8-wide subgroups) must refuse clearly.
  itGpu('refuses the subgroup variant where it cannot run, and defaults to it on software adapters that can', () => {
    const ctx = gpu();
    const c: Case = { x: [1, 1, 4, 4], weight: [2, 1, 3, 3] };
    const software = conv2dVariantAvailable(ctx, 'subgroup') ? 'subgroup' : 'register';
    for (const direction of ['forward', 'backwardInput', 'backwardWeight'] as const) {
      expect(defaultConv2dVariant(ctx, direction)).toBe(ctx.adapter.isSoftware ? software : direction === 'backwardInput' ? 'register' : 'tiled');
      const layer = conv2dGeometry([2, 16, 9, 9], [8, 16, 3, 3], { padding: 1 });
      expect(defaultConv2dVariant(ctx, direction, layer), 'a layer the subgroup GEMM fits').toBe(defaultConv2dVariant(ctx, direction));
      const subgroups: readonly string[] = ['subgroup', 'pixel', 'row'];
      expect(availableConv2dVariants(ctx, direction)).toEqual(CONV2D_VARIANTS[direction].filter((v) => !subgroups.includes(v) || conv2dVariantAvailable(ctx, v)));
    }
    if (ctx.adapter.name.includes('llvmpipe') && ctx.adapter.backend === 'vulkan') {
      expect(conv2dVariantAvailable(ctx, 'subgroup'), 'lavapipe has 8-wide subgroups').toBe(true);
    }
    // gradInput keeps register blocks where the subgroup GEMM would waste most of its work (few
    // input channels); with stride > 1 both variants skip the taps that hit no output.
    if (ctx.adapter.isSoftware) {
      expect(defaultConv2dVariant(ctx, 'backwardInput', conv2dGeometry([2, 1, 9, 9], [8, 1, 3, 3]))).toBe('register');
      const strided = defaultConv2dVariant(ctx, 'backwardInput', conv2dGeometry([2, 16, 9, 9], [8, 16, 3, 3], { stride: [1, 2] }));
      expect(strided).toBe(conv2dVariantAvailable(ctx, 'subgroup') ? 'subgroup' : 'register');
    }
    if (conv2dVariantAvailable(ctx, 'subgroup')) return;
    const x = fromData(ctx, new Float32Array(16), c.x, 'x');
    const w = fromData(ctx, new Float32Array(18), c.weight, 'w');
    const gy = fromData(ctx, new Float32Array(8), [1, 2, 2, 2], 'gy');
    expect(() => conv2d(ctx, x, w, null, { variant: 'subgroup' })).toThrow(/cannot run/);
    expect(() => conv2d(ctx, x, w, null, { variant: 'row' })).toThrow(/cannot run/);
    expect(() => conv2dBackwardInput(ctx, gy, w, c.x, { variant: 'subgroup' })).toThrow(/cannot run/);
    expect(() => conv2dBackwardInput(ctx, gy, w, c.x, { variant: 'pixel' })).toThrow(/cannot run/);
    expect(() => conv2dBackwardWeight(ctx, gy, x, c.weight, { variant: 'subgroup' })).toThrow(/cannot run/);
    for (const a of [x, w, gy]) free(ctx, a);
  });

  itGpu('tuneConv2d remembers one variant per direction, and conv2d uses it', async () => {
    const ctx = gpu();
    const c: Case = { x: [2, 3, 10, 9], weight: [5, 3, 3, 3], stride: 2, padding: 1 };
    const g: Conv2dGeometry = conv2dGeometry(c.x, c.weight, c);
    const choice = await tuneConv2d(ctx, g);
    expect(variants('forward')).toContain(choice.forward);
    expect(variants('backwardInput')).toContain(choice.backwardInput);
    expect(variants('backwardWeight')).toContain(choice.backwardWeight);
    const stored = ctx.chosen(conv2dTuningKey(g, 'forward'));
    expect(stored).toBe(choice.forward);
    // The key names the candidates chosen among, so a store written before a variant existed is not reused.
    for (const direction of ['forward', 'backwardInput', 'backwardWeight'] as const) {
      expect(conv2dTuningKey(g, direction).endsWith(`:${direction}:${CONV2D_VARIANTS[direction].join('|')}`)).toBe(true);
    }
    const xs = randomArray(count(c.x), 31);
    const ws = randomArray(count(c.weight), 32);
    const y = conv2d(ctx, fromData(ctx, xs, c.x, 'x'), fromData(ctx, ws, c.weight, 'w'), null, c);
    expectClose(await toData(ctx, y), conv2dReference(g, xs, ws), atol, rtol, 'tuned forward');
  });
});

interface Golden extends Conv2dOptions {
  xShape: [number, number, number, number];
  weightShape: [number, number, number, number];
  yShape: [number, number, number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  x: number[];
  weight: number[];
  bias: number[];
  y: number[];
  gradOutput: number[];
  gradInput: number[];
  gradWeight: number[];
  gradBias: number[];
}

function loadGolden(): Golden {
  return JSON.parse(readFileSync(join(__dirname, 'conv2d_golden.json'), 'utf8')) as Golden;
}
