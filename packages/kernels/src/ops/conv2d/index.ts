/**
 * conv2d (NCHW, zero padding, stride, dilation, optional bias and fused relu) and its backward
 * kernels. Each direction has variants (see ./variants.ts): `direct` (one output per invocation,
 * the readable baseline), `register` (register blocks, no barriers: CPU drivers such as
 * lavapipe), `tiled` (implicit GEMM through workgroup memory: discrete GPUs) and `subgroup`
 * (implicit GEMM sharing loads by subgroup broadcasts: lavapipe with 8-wide subgroups), and for
 * gradInput `pixel` (the same broadcasts, one input pixel per subgroup). The runtime
 * picks per adapter and layer shape with `tuneConv2d`; untuned, it uses `defaultConv2dVariant`.
 */
import type { GpuContext } from '@duet/gpu';
import { empty, free, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { unaryBackward } from '../unary/index';
import { outHeightOf, outWidthOf, type Conv2dGeometry } from './reference';
import { tuneConv2d } from './tune';
import { KERNELS, conv2dTuningKey, defaultConv2dVariant, rememberedVariant, run, type Conv2dVariantOf } from './variants';

export { convOutSize, type Conv2dGeometry } from './reference';
export {
  CONV2D_VARIANTS, availableConv2dVariants, conv2dVariantAvailable, defaultConv2dVariant, conv2dTuningKey,
  type Conv2dDirection, type Conv2dVariant, type Conv2dVariantOf,
} from './variants';
export { tuneConv2d, type Conv2dChoice } from './tune';

type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  /** (sH, sW) or one value for both; default 1. */
  readonly stride?: Pair;
  /** Zero padding (pH, pW) on each side; default 0. */
  readonly padding?: Pair;
  /** (dH, dW); default 1. */
  readonly dilation?: Pair;
}

export interface Conv2dForwardOptions extends Conv2dOptions {
  /** y = max(conv + bias, 0), fused into the same dispatch. */
  readonly relu?: boolean;
  /** Force a variant (tests, benchmarks); otherwise the tuned or default one. */
  readonly variant?: Conv2dVariantOf<'forward'>;
}

/** The full geometry of a call from the input and weight shapes and the options. */
export function conv2dGeometry(inputShape: readonly number[], weightShape: readonly number[], options: Conv2dOptions = {}): Conv2dGeometry {
  if (inputShape.length !== 4 || weightShape.length !== 4) {
    throw new Error(`conv2d: x must be (B, Cin, H, W) and weight (Cout, Cin, kH, kW); got [${inputShape.join(', ')}] and [${weightShape.join(', ')}]`);
  }
  const [batch, inChannels, inHeight, inWidth] = inputShape;
  const [outChannels, weightIn, kernelH, kernelW] = weightShape;
  if (weightIn !== inChannels) throw new Error(`conv2d: weight has ${weightIn} input channels, x has ${inChannels}`);
  const [strideH, strideW] = pair(options.stride ?? 1, 'stride', 1);
  const [padH, padW] = pair(options.padding ?? 0, 'padding', 0);
  const [dilationH, dilationW] = pair(options.dilation ?? 1, 'dilation', 1);
  const g: Conv2dGeometry = { batch, inChannels, inHeight, inWidth, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW };
  if (outHeightOf(g) < 1 || outWidthOf(g) < 1) {
    throw new Error(`conv2d: kernel ${kernelH}x${kernelW} (dilation ${dilationH}x${dilationW}) does not fit the padded ${inHeight}x${inWidth} input`);
  }
  return g;
}

/** Output shape (B, Cout, H', W'). */
export function conv2dOutputShape(g: Conv2dGeometry): [number, number, number, number] {
  return [g.batch, g.outChannels, outHeightOf(g), outWidthOf(g)];
}

/** x: (B, Cin, H, W), weight: (Cout, Cin, kH, kW), bias: (Cout) or null -> y: (B, Cout, H', W'). */
export function conv2d(ctx: GpuContext, x: GpuArray, weight: GpuArray, bias: GpuArray | null = null, options: Conv2dForwardOptions = {}): GpuArray {
  const g = conv2dGeometry(x.shape, weight.shape, options);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.outChannels)) {
    throw new Error(`conv2d: bias must be (${g.outChannels}), got [${bias.shape.join(', ')}]`);
  }
  const y = empty(ctx, conv2dOutputShape(g), 'conv2d.y');
  // One measurement covers the layer's three directions (tuneConv2d times them together).
  if (!options.variant) ctx.noteUntuned(conv2dTuningKey(g, 'forward'), () => tuneConv2d(ctx, g));
  const variant = options.variant ?? rememberedVariant(ctx, g, 'forward') ?? defaultConv2dVariant(ctx, 'forward', g);
  const flags = { HAS_BIAS: bias ? 1 : 0, RELU: options.relu ? 1 : 0 };
  // Without a bias, `weight` stands in for the unused binding (both are read-only).
  const bindings = { x: x.buffer, weight: weight.buffer, bias: (bias ?? weight).buffer, y: y.buffer };
  run(ctx, g, 'forward', variant, bindings, flags);
  return y;
}

/** gradOutput: (B, Cout, H', W'), weight: (Cout, Cin, kH, kW) -> gradInput: (B, Cin, H, W). */
export function conv2dBackwardInput(
  ctx: GpuContext,
  gradOutput: GpuArray,
  weight: GpuArray,
  inputShape: readonly number[],
  options: Conv2dOptions & { readonly variant?: Conv2dVariantOf<'backwardInput'> } = {},
): GpuArray {
  const g = conv2dGeometry(inputShape, weight.shape, options);
  checkGradOutput(g, gradOutput);
  const gradInput = empty(ctx, inputShape, 'conv2d.gradInput');
  const variant = options.variant ?? rememberedVariant(ctx, g, 'backwardInput') ?? defaultConv2dVariant(ctx, 'backwardInput', g);
  run(ctx, g, 'backwardInput', variant, { gradOutput: gradOutput.buffer, weight: weight.buffer, gradInput: gradInput.buffer });
  return gradInput;
}

/** gradOutput: (B, Cout, H', W'), x: (B, Cin, H, W) -> gradWeight: (Cout, Cin, kH, kW). */
export function conv2dBackwardWeight(
  ctx: GpuContext,
  gradOutput: GpuArray,
  x: GpuArray,
  weightShape: readonly number[],
  options: Conv2dOptions & { readonly variant?: Conv2dVariantOf<'backwardWeight'> } = {},
): GpuArray {
  const g = conv2dGeometry(x.shape, weightShape, options);
  checkGradOutput(g, gradOutput);
  const gradWeight = empty(ctx, weightShape, 'conv2d.gradWeight');
  const variant = options.variant ?? rememberedVariant(ctx, g, 'backwardWeight') ?? defaultConv2dVariant(ctx, 'backwardWeight', g);
  run(ctx, g, 'backwardWeight', variant, { gradOutput: gradOutput.buffer, x: x.buffer, gradWeight: gradWeight.buffer });
  return gradWeight;
}

/**
 * Backward through a conv2d with a fused relu and a bias to its weight and bias only, for a
 * layer whose input needs no gradient (a network's first): the same values as
 * conv2dBackwardReluBias then conv2dBackwardWeight, but where gradWeight runs the subgroup variant
 * the relu's mask and the bias sum fold into it (RELU_BIAS in backward_weight_subgroup.wgsl): two
 * dispatches (it and its reduce) instead of three or four, and no masked gradient written.
 * Lavapipe (2 threads), lab-cnn's conv1 (32x1x128x41, 10 7x7 filters, stride 3), 20 calls per
 * submit, alternating: 1.22-1.24 ms a call where the four separate dispatches took 1.41-1.43.
 * y, gradOutput: (B, Cout, H', W'), x: (B, Cin, H, W) -> gradWeight: (Cout, Cin, kH, kW), gradBias: (Cout).
 */
export function conv2dBackwardWeightReluBias(
  ctx: GpuContext,
  y: GpuArray,
  gradOutput: GpuArray,
  x: GpuArray,
  weightShape: readonly number[],
  options: Conv2dOptions & { readonly variant?: Conv2dVariantOf<'backwardWeight'> } = {},
): { gradWeight: GpuArray; gradBias: GpuArray } {
  const g = conv2dGeometry(x.shape, weightShape, options);
  checkGradOutput(g, gradOutput);
  checkReluOutput(y, gradOutput);
  const variant = options.variant ?? rememberedVariant(ctx, g, 'backwardWeight') ?? defaultConv2dVariant(ctx, 'backwardWeight', g);
  if (variant !== 'subgroup') {
    const { gradConv, gradBias } = conv2dBackwardReluBias(ctx, y, gradOutput);
    const gradWeight = conv2dBackwardWeight(ctx, gradConv, x, weightShape, { ...options, variant });
    free(ctx, gradConv);
    return { gradWeight, gradBias };
  }
  const gradWeight = empty(ctx, weightShape, 'conv2d.gradWeight');
  const gradBias = empty(ctx, [g.outChannels], 'conv2d.gradBias');
  const bindings = { gradOutput: gradOutput.buffer, x: x.buffer, y: y.buffer, gradWeight: gradWeight.buffer, gradBias: gradBias.buffer };
  run(ctx, g, 'backwardWeight', variant, bindings, { RELU_BIAS: 1 });
  return { gradWeight, gradBias };
}

/** gradOutput: (B, Cout, H', W') -> gradBias: (Cout), the sum over B, H', W'. */
export function conv2dBackwardBias(ctx: GpuContext, gradOutput: GpuArray): GpuArray {
  if (gradOutput.shape.length !== 4) throw new Error(`conv2d: gradOutput must be (B, Cout, H', W'), got [${gradOutput.shape.join(', ')}]`);
  const [batch, channels, h, w] = gradOutput.shape;
  const gradBias = empty(ctx, [channels], 'conv2d.gradBias');
  const WG = 64;
  const kernel = ctx.kernel({ name: 'conv2d/backward_bias', source: KERNELS.backwardBias, overrides: { WG } });
  ctx.dispatch(kernel, { gradOutput: gradOutput.buffer, gradBias: gradBias.buffer }, { batch, channels, plane: h * w }, [channels, 1, 1]);
  return gradBias;
}

/**
 * Backward through a conv2d with a fused relu, to its bias, in one dispatch: the gradient at the
 * convolution's output, gradConv = gradOutput * (y > 0) (y: the relu's output), which the
 * gradInput and gradWeight kernels take next, and gradBias, the sum of gradConv over B, H', W'.
 * Same values as unaryBackward('relu', y, gradOutput) then conv2dBackwardBias (which it runs
 * instead where H'*W' is not a multiple of 4 or above 4 * 64).
 * y, gradOutput: (B, Cout, H', W') -> gradConv: (B, Cout, H', W'), gradBias: (Cout).
 */
export function conv2dBackwardReluBias(ctx: GpuContext, y: GpuArray, gradOutput: GpuArray): { gradConv: GpuArray; gradBias: GpuArray } {
  if (gradOutput.shape.length !== 4) throw new Error(`conv2d: gradOutput must be (B, Cout, H', W'), got [${gradOutput.shape.join(', ')}]`);
  checkReluOutput(y, gradOutput);
  const [batch, channels, h, w] = gradOutput.shape;
  const WG = 64;
  // The kernel moves vec4s of a plane, one pass of the workgroup per image: other planes take
  // the two kernels it fuses. NOTE: on lavapipe its Cout workgroups lost to those two (more,
  // smaller workgroups) on planes of several passes: lab-cnn conv1's 123 vec4s, 1.2-1.6 ms vs
  // 1.0-1.05; conv2's 19 vec4s, 0.33-0.34 vs 0.37-0.38 (alternating, 80 pairs).
  if ((h * w) % 4 !== 0 || (h * w) / 4 > WG) {
    const gradConv = unaryBackward(ctx, 'relu', y, gradOutput);
    return { gradConv, gradBias: conv2dBackwardBias(ctx, gradConv) };
  }
  const gradConv = empty(ctx, gradOutput.shape, 'conv2d.gradConv');
  const gradBias = empty(ctx, [channels], 'conv2d.gradBias');
  const kernel = ctx.kernel({ name: 'conv2d/backward_bias_relu', source: KERNELS.backwardBiasRelu, overrides: { WG } });
  ctx.dispatch(kernel, { y: y.buffer, gradOutput: gradOutput.buffer, gradConv: gradConv.buffer, gradBias: gradBias.buffer }, { batch, channels, plane4: (h * w) / 4 }, [channels, 1, 1]);
  return { gradConv, gradBias };
}

/** The fused relu's output y must have gradOutput's shape. */
function checkReluOutput(y: GpuArray, gradOutput: GpuArray): void {
  if (y.shape.join() !== gradOutput.shape.join()) throw new Error(`conv2d: y is [${y.shape.join(', ')}], gradOutput [${gradOutput.shape.join(', ')}]`);
}

function checkGradOutput(g: Conv2dGeometry, gradOutput: GpuArray): void {
  const expected = conv2dOutputShape(g);
  if (gradOutput.shape.join() !== expected.join()) {
    throw new Error(`conv2d: gradOutput is [${gradOutput.shape.join(', ')}], the output shape is [${expected.join(', ')}]`);
  }
}

function pair(value: Pair, what: string, min: number): [number, number] {
  const [a, b] = typeof value === 'number' ? [value, value] : value;
  for (const v of [a, b]) {
    if (!Number.isInteger(v) || v < min) throw new Error(`conv2d: ${what} must be integers >= ${min}, got ${String(value)}`);
  }
  return [a, b];
}

export const conv2dOp: OpDef = {
  name: 'conv2d',
  shaders: [
    'conv2d/forward_direct.wgsl', 'conv2d/forward_register.wgsl', 'conv2d/forward_tiled.wgsl', 'conv2d/forward_subgroup.wgsl', 'conv2d/forward_row.wgsl', 'conv2d/subgroup_accumulate.wgsl',
    'conv2d/backward_input.wgsl', 'conv2d/backward_input_register.wgsl', 'conv2d/backward_input_subgroup.wgsl', 'conv2d/backward_input_pixel.wgsl',
    'conv2d/backward_weight.wgsl', 'conv2d/backward_weight_register.wgsl', 'conv2d/backward_weight_tiled.wgsl',
    'conv2d/backward_weight_subgroup.wgsl',
    'conv2d/backward_weight_reduce.wgsl',
    'conv2d/backward_bias.wgsl', 'conv2d/backward_bias_relu.wgsl',
  ],
  differentiable: true,
  // Sums of up to Cin*kH*kW (forward) or B*H'*W' (weight) float32 products.
  tolerance: { atol: 1e-4, rtol: 1e-4, gradAtol: 1e-3, gradRtol: 1e-4 },
};
