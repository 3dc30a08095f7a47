/**
 * Picks the fastest conv2d variant of each direction for one layer shape on this adapter, by
 * timing them once (GpuContext.choose remembers the answer, on disk in Node). conv2d() and its
 * backward functions then use the remembered choice.
 */
import type { GpuContext } from '@duet/gpu';
import { outHeightOf, outWidthOf, type Conv2dGeometry } from './reference';
import { availableConv2dVariants, conv2dTuningKey, rememberedVariant, run, type Conv2dDirection, type Conv2dVariantOf } from './variants';

export type Conv2dChoice = { readonly [D in Conv2dDirection]: Conv2dVariantOf<D> };

/**
 * Times every variant this adapter can run (availableConv2dVariants) of every direction for the
 * layer `g` (once per adapter) and returns the winners.
 */
export async function tuneConv2d(ctx: GpuContext, g: Conv2dGeometry): Promise<Conv2dChoice> {
  const forward = rememberedVariant(ctx, g, 'forward');
  const backwardInput = rememberedVariant(ctx, g, 'backwardInput');
  const backwardWeight = rememberedVariant(ctx, g, 'backwardWeight');
  if (forward && backwardInput && backwardWeight) return { forward, backwardInput, backwardWeight };
  const outPlane = outHeightOf(g) * outWidthOf(g);
  const sizes = {
    x: g.batch * g.inChannels * g.inHeight * g.inWidth,
    weight: g.outChannels * g.inChannels * g.kernelH * g.kernelW,
    y: g.batch * g.outChannels * outPlane,
  };
  let seed = 1;
  // Any values do for timing; a small LCG keeps this module free of test helpers.
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const buffers: Record<string, GPUBuffer> = {};
  const upload = (name: string, n: number) => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = random() * 2 - 1;
    buffers[name] = ctx.upload(data, `conv2d.tune.${name}`);
  };
  upload('x', sizes.x);
  upload('weight', sizes.weight);
  upload('bias', g.outChannels);
  upload('gradOutput', sizes.y);
  buffers.y = ctx.createBuffer(sizes.y * 4, 'conv2d.tune.y');
  buffers.gradInput = ctx.createBuffer(sizes.x * 4, 'conv2d.tune.gradInput');
  buffers.gradWeight = ctx.createBuffer(sizes.weight * 4, 'conv2d.tune.gradWeight');
  const bindings: Record<Conv2dDirection, Record<string, GPUBuffer>> = {
    forward: { x: buffers.x, weight: buffers.weight, bias: buffers.bias, y: buffers.y },
    backwardInput: { gradOutput: buffers.gradOutput, weight: buffers.weight, gradInput: buffers.gradInput },
    backwardWeight: { gradOutput: buffers.gradOutput, x: buffers.x, gradWeight: buffers.gradWeight },
  };
  const choose = async <D extends Conv2dDirection>(direction: D): Promise<Conv2dVariantOf<D>> => {
    const candidates = availableConv2dVariants(ctx, direction);
    const known = rememberedVariant(ctx, g, direction);
    if (known) return known;
    // Rounds over all candidates rather than one candidate after another, so a burst of load
    // from elsewhere on the machine (a shared CPU for lavapipe) hits every candidate alike.
    const records = candidates.map((variant) => () => run(ctx, g, direction, variant, bindings[direction], direction === 'forward' ? { HAS_BIAS: 1, RELU: 0 } : {}));
    for (const record of records) await ctx.time(record); // compiles the pipelines, warms the caches
    const estimates: number[] = [];
    for (const record of records) estimates.push(await ctx.time(record));
    // Small layers' kernels take less than a submit costs: time several per submit (timeRepeated).
    const best = [...estimates];
    for (let r = 0; r < ctx.flags.tuneRepetitions; r++) {
      for (let c = 0; c < records.length; c++) best[c] = Math.min(best[c], await ctx.timeRepeated(records[c], estimates[c]));
    }
    return ctx.choose(conv2dTuningKey(g, direction), candidates, async (variant) => best[candidates.indexOf(variant as never)]) as Promise<Conv2dVariantOf<D>>;
  };
  try {
    // One direction after another (property order), each timed alone.
    return { forward: await choose('forward'), backwardInput: await choose('backwardInput'), backwardWeight: await choose('backwardWeight') };
  } finally {
    for (const buffer of Object.values(buffers)) ctx.release(buffer);
  }
}
