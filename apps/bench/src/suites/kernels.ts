/**
 * `kernels`: Duet's kernels alone. matmul (square sizes) and conv2d (forward and both backward
 * kernels of the layers Duet trains) per variant in GFLOPS, plus the variant the runtime picks;
 * the log-mel front end (STFT + mel + dB) for 64 one-second clips in clips/s.
 */
import { MelSpectrogram, melSpectrogramReference } from '@duet/dsp';
import {
  MATMUL_VARIANTS, CONV2D_VARIANTS, availableConv2dVariants, chooseMatmulVariant, conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dGeometry, conv2dOutputShape, defaultConv2dVariant,
  free, fromData, matmul, matmulVariantFor, tuneConv2d, conv2dTuningKey, type Conv2dDirection, type Conv2dGeometry, type GpuArray,
} from '@duet/kernels';
import { checkConv2d, checkMatmul, seededValues } from '../check';
import { gpuTimer, rate, timeRepeated, type GpuTimer } from '../timing';
import type { Row, Suite, SuiteContext } from '../types';
import { CONV_LAYERS, MODEL_MATMULS, matmulSizes } from '../workloads';

export const kernelsSuite: Suite = {
  name: 'kernels',
  describe: "Duet's matmul, conv2d and log-mel kernels per variant (GFLOPS, clips/s)",
  async run(s) {
    const timer = gpuTimer(s.ctx);
    s.log(`kernels: timing by ${timer.method}`);
    try {
      for (const n of matmulSizes(s.options.quick)) if (s.wants(`matmul-${n}`)) await matmulRows(s, timer, `matmul-${n}`, { m: n, n, k: n });
      for (const { name, shape } of MODEL_MATMULS) if (s.wants(name)) await matmulRows(s, timer, name, shape);
      for (const layer of CONV_LAYERS) for (const direction of Object.keys(CONV2D_VARIANTS) as Conv2dDirection[]) {
        const workload = `conv2d:${layer.name}:${direction}`;
        if (s.wants(workload)) await conv2dRows(s, timer, workload, layer, direction);
      }
      if (s.wants('logmel-64x1s')) await logMelRow(s, timer);
    } finally {
      timer.dispose();
    }
  },
};

/**
 * --quick times only the runtime's pick on workloads of a GFLOP or more: a naive or tiled
 * variant there takes tens of seconds per run on lavapipe.
 */
function quickSkipsVariants(s: SuiteContext, flops: number): boolean {
  return s.options.quick && flops >= 1e9;
}

// c (m, n) = a (m, k) @ b (k, n)
async function matmulRows(s: SuiteContext, timer: GpuTimer, workload: string, shape: { m: number; n: number; k: number }): Promise<void> {
  const { ctx } = s;
  const { m, n, k } = shape;
  const flops = 2 * m * n * k;
  const aData = seededValues(m * k, 1);
  const bData = seededValues(k * n, 2);
  const a = fromData(ctx, aData, [m, k], 'bench.a');
  const b = fromData(ctx, bData, [k, n], 'bench.b');
  const c = fromData(ctx, new Float32Array(m * n), [m, n], 'bench.c');
  const backend = ctx.adapter.name;
  const measure = async (variant: (typeof MATMUL_VARIANTS)[number] | undefined, label: string) => {
    ctx.clear(c.buffer);
    const seconds = await timeRepeated(s.options.quick, () => timer.time(() => matmul(ctx, a, b, { variant, out: c })));
    const wrong = checkMatmul(aData, bData, await ctx.readFloat32(c.buffer, m * n), m, n, k);
    const row: Row = { suite: 'kernels', workload, impl: 'duet', backend, unit: 'GFLOPS', ...scale(rate(seconds, flops), 1e-9), variant: label, status: wrong ? 'failed' : 'passed', ...(wrong ? { note: wrong } : {}) };
    s.emit(row);
  };
  try {
    if (!quickSkipsVariants(s, flops)) for (const variant of MATMUL_VARIANTS) await measure(variant, variant);
    // What matmul() runs with no variant forced: the tuned choice (timed once per adapter and
    // shape class, then remembered on disk), else the adapter's default.
    if (!s.options.quick) await chooseMatmulVariant(ctx, shape, (variant) => matmul(ctx, a, b, { variant, out: c }));
    await measure(undefined, `runtime:${matmulVariantFor(ctx, shape)}`);
  } finally {
    for (const x of [a, b, c]) free(ctx, x);
  }
}

// The variant option of each entry point (the names come from the kernel's own list at run time).
type ForwardVariant = NonNullable<Parameters<typeof conv2d>[4]>['variant'];
type BackwardInputVariant = NonNullable<Parameters<typeof conv2dBackwardInput>[4]>['variant'];
type BackwardWeightVariant = NonNullable<Parameters<typeof conv2dBackwardWeight>[4]>['variant'];

async function conv2dRows(s: SuiteContext, timer: GpuTimer, workload: string, layer: (typeof CONV_LAYERS)[number], direction: Conv2dDirection): Promise<void> {
  const { ctx } = s;
  const options = { stride: layer.stride };
  const g = conv2dGeometry(layer.x, layer.weight, options);
  const yShape = conv2dOutputShape(g);
  const flops = 2 * yShape.reduce((p, d) => p * d, 1) * g.inChannels * g.kernelH * g.kernelW;
  const host = {
    x: seededValues(layer.x.reduce((p, d) => p * d, 1), 3),
    weight: seededValues(layer.weight.reduce((p, d) => p * d, 1), 4),
    gradOutput: seededValues(yShape.reduce((p, d) => p * d, 1), 5),
  };
  const x = fromData(ctx, host.x, layer.x, 'bench.x');
  const weight = fromData(ctx, host.weight, layer.weight, 'bench.weight');
  const gradOutput = fromData(ctx, host.gradOutput, yShape, 'bench.gradOutput');
  // Through the public entry points (what autograd calls); forward without bias, so the check
  // sees the bare convolution. Each call's output goes back to the pool before the next.
  const call = (variant: string | undefined): GpuArray =>
    direction === 'forward' ? conv2d(ctx, x, weight, null, { ...options, variant: variant as ForwardVariant })
      : direction === 'backwardInput' ? conv2dBackwardInput(ctx, gradOutput, weight, layer.x, { ...options, variant: variant as BackwardInputVariant })
        : conv2dBackwardWeight(ctx, gradOutput, x, layer.weight, { ...options, variant: variant as BackwardWeightVariant });
  const [first, second] = direction === 'forward' ? [host.x, host.weight] : direction === 'backwardInput' ? [host.gradOutput, host.weight] : [host.gradOutput, host.x];
  let last: GpuArray | null = null;
  const measure = async (variant: string | undefined, label: string) => {
    const seconds = await timeRepeated(s.options.quick, () =>
      timer.time(() => {
        if (last) free(ctx, last);
        last = call(variant);
      }),
    );
    const result = await ctx.readFloat32(last!.buffer, last!.shape.reduce((p, d) => p * d, 1));
    const wrong = checkConv2d(g, direction, first, second, result);
    s.emit({ suite: 'kernels', workload, impl: 'duet', backend: ctx.adapter.name, unit: 'GFLOPS', ...scale(rate(seconds, flops), 1e-9), variant: label, status: wrong ? 'failed' : 'passed', ...(wrong ? { note: wrong } : {}) });
  };
  try {
    if (!quickSkipsVariants(s, flops)) for (const variant of availableConv2dVariants(ctx, direction)) await measure(variant, variant);
    if (!s.options.quick) await tuneConv2d(ctx, g);
    await measure(undefined, `runtime:${pickedConv2d(s, g, direction)}`);
  } finally {
    if (last) free(ctx, last);
    for (const array of [x, weight, gradOutput]) free(ctx, array);
  }
}

/** The variant conv2d() runs for this layer: remembered by tuneConv2d, else the default. */
function pickedConv2d(s: SuiteContext, g: Conv2dGeometry, direction: Conv2dDirection): string {
  const { ctx } = s;
  // The store key GpuContext.choose writes (as @duet/kernels' own rememberedVariant reads it).
  const known = ctx.chosen(conv2dTuningKey(g, direction));
  return known && (availableConv2dVariants(ctx, direction) as readonly string[]).includes(known) ? known : defaultConv2dVariant(ctx, direction, g);
}

/** 64 one-second clips at 8 kHz (FSDD's rate) -> log-mel (64, 128, 41), torchaudio's defaults. */
async function logMelRow(s: SuiteContext, timer: GpuTimer): Promise<void> {
  const { ctx } = s;
  const batch = 64;
  const samples = 8000;
  const options = { sampleRate: samples };
  const clips = seededValues(batch * samples, 6);
  const input = fromData(ctx, clips, [batch, samples], 'bench.clips');
  const transform = new MelSpectrogram(ctx, options);
  let last: GpuArray | null = null;
  try {
    const seconds = await timeRepeated(s.options.quick, () =>
      timer.time(() => {
        if (last) free(ctx, last);
        last = transform.forward(input, true);
      }),
    );
    // Two clips against the float64 reference: dB values agree to a hundredth of a dB.
    const got = await ctx.readFloat32(last!.buffer, 2 * last!.shape[1] * last!.shape[2]);
    const want = melSpectrogramReference(clips.subarray(0, 2 * samples), 2, options, true);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    const wrong = !(worst <= 0.01) ? `max |dB difference| ${worst} against the float64 reference` : null;
    s.emit({ suite: 'kernels', workload: 'logmel-64x1s', impl: 'duet', backend: ctx.adapter.name, unit: 'clips/s', ...rate(seconds, batch), status: wrong ? 'failed' : 'passed', ...(wrong ? { note: wrong } : {}) });
  } finally {
    if (last) free(ctx, last);
    transform.dispose();
    free(ctx, input);
  }
}

function scale(st: { min: number; median: number; max: number }, factor: number) {
  return { min: st.min * factor, median: st.median * factor, max: st.max * factor };
}

