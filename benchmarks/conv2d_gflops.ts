/**
 * GFLOPS of every conv2d variant (forward, backward_input, backward_weight) on the layers Duet
 * trains, a spot check of each result against a float64 sum, and the variant the runtime picks.
 * Usage: node scripts/run-ts.mjs benchmarks/conv2d_gflops.ts [--layer NAME] [--reps N] [--retune]
 * FLOPs count 2 per multiply-add of the dense formula (padding taps included), as usual.
 * Two rates per variant: GFLOPS over wall-clock time (submit to onSubmittedWorkDone), and GFLOP
 * per CPU-second of this process (a software adapter such as lavapipe computes on this process's
 * threads; on a shared machine that figure is far steadier than wall clock). Best of --reps runs.
 */
import { parseArgs } from 'node:util';
import { acquireGpu, MemoryTuningStore, type GpuContext } from '@duet/gpu/node';
import {
  availableConv2dVariants, conv2dBackwardInput, conv2dBackwardWeight, conv2d, conv2dGeometry, conv2dOutputShape, fromData, free, toData, tuneConv2d,
  type Conv2dDirection, type Conv2dGeometry, type GpuArray,
} from '@duet/kernels';

interface Layer {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly weight: [number, number, number, number];
  readonly stride?: number;
  readonly padding?: number;
}

const LAYERS: Layer[] = [
  { name: 'lab-cnn conv1 (241 frames)', x: [32, 1, 128, 241], weight: [10, 1, 7, 7], stride: 3 },
  { name: 'lab-cnn conv2 (241 frames)', x: [32, 10, 41, 79], weight: [10, 10, 5, 5], stride: 2 },
  { name: 'lab-cnn conv1 (41 frames)', x: [32, 1, 128, 41], weight: [10, 1, 7, 7], stride: 3 },
  { name: 'lab-cnn conv2 (41 frames)', x: [32, 10, 41, 12], weight: [10, 10, 5, 5], stride: 2 },
  { name: 'mnist conv1', x: [64, 1, 28, 28], weight: [32, 1, 3, 3] },
  { name: 'mnist conv2', x: [64, 32, 26, 26], weight: [64, 32, 3, 3] },
  { name: 'small-mnist 14x14 conv2', x: [64, 16, 14, 14], weight: [32, 16, 3, 3], padding: 1 },
  { name: 'audio-cnn conv1', x: [32, 1, 40, 101], weight: [16, 1, 3, 3], padding: 1 },
  { name: 'audio-cnn conv2', x: [32, 16, 20, 50], weight: [32, 16, 3, 3], padding: 1 },
  { name: 'audio-cnn conv3', x: [32, 32, 10, 25], weight: [64, 32, 3, 3], padding: 1 },
  { name: 'audio-cnn conv4', x: [32, 64, 5, 12], weight: [64, 64, 3, 3], padding: 1 },
];

const { values } = parseArgs({ options: { layer: { type: 'string' }, reps: { type: 'string', default: '3' }, retune: { type: 'boolean', default: false } } });
const reps = Number(values.reps);

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** One element of each direction's result, summed in float64 straight from the definition. */
function spot(g: Conv2dGeometry, direction: Conv2dDirection, index: number, a: Float32Array, b: Float32Array): number {
  const oh = Math.floor((g.inHeight + 2 * g.padH - g.dilationH * (g.kernelH - 1) - 1) / g.strideH) + 1;
  const ow = Math.floor((g.inWidth + 2 * g.padW - g.dilationW * (g.kernelW - 1) - 1) / g.strideW) + 1;
  // [b, co, y, x, ci, kh, kw] of every product of the convolution that the element receives.
  let sum = 0;
  const add = (bb: number, co: number, y: number, x: number, ci: number, kh: number, kw: number) => {
    const ih = y * g.strideH - g.padH + kh * g.dilationH;
    const iw = x * g.strideW - g.padW + kw * g.dilationW;
    if (y < 0 || y >= oh || x < 0 || x >= ow || ih < 0 || ih >= g.inHeight || iw < 0 || iw >= g.inWidth) return;
    const xi = ((bb * g.inChannels + ci) * g.inHeight + ih) * g.inWidth + iw;
    const wi = ((co * g.inChannels + ci) * g.kernelH + kh) * g.kernelW + kw;
    const yi = ((bb * g.outChannels + co) * oh + y) * ow + x;
    if (direction === 'forward') sum += a[xi] * b[wi]; // a = x, b = weight
    else if (direction === 'backwardInput') sum += a[yi] * b[wi]; // a = gradOutput, b = weight
    else sum += a[yi] * b[xi]; // a = gradOutput, b = x
  };
  if (direction === 'forward') {
    const [bb, co, y, x] = unravel(index, [g.batch, g.outChannels, oh, ow]);
    for (let ci = 0; ci < g.inChannels; ci++) for (let kh = 0; kh < g.kernelH; kh++) for (let kw = 0; kw < g.kernelW; kw++) add(bb, co, y, x, ci, kh, kw);
  } else if (direction === 'backwardInput') {
    const [bb, ci, ih, iw] = unravel(index, [g.batch, g.inChannels, g.inHeight, g.inWidth]);
    for (let co = 0; co < g.outChannels; co++)
      for (let kh = 0; kh < g.kernelH; kh++)
        for (let kw = 0; kw < g.kernelW; kw++) {
          const ny = ih + g.padH - kh * g.dilationH;
          const nx = iw + g.padW - kw * g.dilationW;
          if (ny % g.strideH === 0 && nx % g.strideW === 0) add(bb, co, ny / g.strideH, nx / g.strideW, ci, kh, kw);
        }
  } else {
    const [co, ci, kh, kw] = unravel(index, [g.outChannels, g.inChannels, g.kernelH, g.kernelW]);
    for (let bb = 0; bb < g.batch; bb++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) add(bb, co, y, x, ci, kh, kw);
  }
  return sum;
}

function unravel(index: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return out;
}

async function benchLayer(ctx: GpuContext, layer: Layer): Promise<void> {
  const options = { stride: layer.stride ?? 1, padding: layer.padding ?? 0 };
  const g = conv2dGeometry(layer.x, layer.weight, options);
  const outShape = conv2dOutputShape(g);
  const macs = outShape.reduce((p, d) => p * d, 1) * g.inChannels * g.kernelH * g.kernelW;
  const xs = random(layer.x.reduce((p, d) => p * d, 1), 1);
  const ws = random(layer.weight.reduce((p, d) => p * d, 1), 2);
  const gys = random(outShape.reduce((p, d) => p * d, 1), 3);
  const x = fromData(ctx, xs, layer.x, 'x');
  const w = fromData(ctx, ws, layer.weight, 'w');
  const gy = fromData(ctx, gys, outShape, 'gy');
  console.log(`\n${layer.name}: x [${layer.x}] w [${layer.weight}] stride ${options.stride} padding ${options.padding} -> [${outShape}], ${(2 * macs / 1e9).toFixed(3)} GFLOP per direction`);
  const runs: Record<Conv2dDirection, (variant: string) => GpuArray> = {
    forward: (variant) => conv2d(ctx, x, w, null, { ...options, variant: variant as never }),
    backwardInput: (variant) => conv2dBackwardInput(ctx, gy, w, layer.x, { ...options, variant: variant as never }),
    backwardWeight: (variant) => conv2dBackwardWeight(ctx, gy, x, layer.weight, { ...options, variant: variant as never }),
  };
  const operands: Record<Conv2dDirection, [Float32Array, Float32Array]> = { forward: [xs, ws], backwardInput: [gys, ws], backwardWeight: [gys, xs] };
  for (const direction of Object.keys(runs) as Conv2dDirection[]) {
    const cells: string[] = [];
    for (const variant of availableConv2dVariants(ctx, direction)) {
      const first = runs[direction](variant);
      const result = await toData(ctx, first);
      free(ctx, first);
      let worst = 0;
      for (let s = 0; s < 64; s++) {
        const i = Math.floor((s * 2654435761) % result.length);
        const expected = spot(g, direction, i, ...operands[direction]);
        worst = Math.max(worst, Math.abs(result[i] - expected) / (1 + Math.abs(expected)));
      }
      let best = Infinity;
      let bestCpu = Infinity;
      for (let r = 0; r < reps; r++) {
        let out: GpuArray | null = null;
        await ctx.sync();
        const cpu = process.cpuUsage();
        best = Math.min(best, await ctx.time(() => (out = runs[direction](variant))));
        const used = process.cpuUsage(cpu);
        bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
        free(ctx, out!);
      }
      const check = worst < 1e-3 ? 'ok' : `MISMATCH ${worst.toExponential(1)}`;
      const rate = (seconds: number) => (2 * macs / seconds / 1e9).toFixed(2);
      cells.push(`${variant} ${rate(best)} GFLOPS, ${rate(bestCpu)}/CPU-s (${(best * 1e3).toFixed(1)} ms, ${check})`);
    }
    console.log(`  ${direction.padEnd(15)} ${cells.join(' | ')}`);
  }
  const choice = await tuneConv2d(ctx, g);
  console.log(`  runtime picks: forward ${choice.forward}, backwardInput ${choice.backwardInput}, backwardWeight ${choice.backwardWeight}`);
  for (const a of [x, w, gy]) free(ctx, a);
}

const ctx = await acquireGpu(values.retune ? { tuning: new MemoryTuningStore() } : {});
try {
  console.log(`adapter: ${ctx.adapter.name} (${ctx.adapter.backend}${ctx.adapter.isSoftware ? ', software' : ''}); best of ${reps} runs`);
  for (const layer of LAYERS) {
    if (values.layer && !layer.name.includes(values.layer)) continue;
    await benchLayer(ctx, layer);
  }
} finally {
  ctx.dispose();
}
