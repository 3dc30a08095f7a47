/**
 * matmul: c = act(op(a) @ op(b) + bias), op(X) = X or X^T, act = none | relu, batched over an
 * optional leading dimension; and its backward, expressed with the same kernels plus a
 * bias-gradient kernel. Four variants compute the same maths (see variants.ts for which runs).
 */
import type { GpuContext } from '@duet/gpu';
import biasBackwardSource from '@duet/shaders/matmul/bias_backward.wgsl';
import { empty, free, zeros, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { unaryBackward } from '../unary/index';
import { packedDepth, packOperands } from './packed';
import { chooseMatmulVariant, matmulTuningKey, operandStrides, matmulVariantAvailable, matmulVariantFor, VARIANT_CONFIGS, type MatmulShape, type MatmulVariant, type VariantConfig } from './variants';

export * from './variants';

export type MatmulActivation = 'none' | 'relu';

export interface MatmulOptions {
  /** Use a^T: a is stored (…, K, M). */
  readonly transposeA?: boolean;
  /** Use b^T: b is stored (…, N, K) — the layout of a Linear weight (out, in). */
  readonly transposeB?: boolean;
  /** (N): added to every row of the product. */
  readonly bias?: GpuArray;
  /** Applied after the bias. */
  readonly activation?: MatmulActivation;
  /** Force a variant (tests, benchmarks); otherwise the tuned or default one for the adapter. */
  readonly variant?: MatmulVariant;
  /** Write here instead of a new array (not a or b). */
  readonly out?: GpuArray;
}

/** The (batch, m, n, k) of op(a) @ op(b), checking that the operands fit together. */
export function matmulShape(a: readonly number[], b: readonly number[], transposeA = false, transposeB = false): Required<MatmulShape> {
  if (a.length < 2 || a.length > 3 || b.length !== a.length) {
    throw new Error(`matmul: a [${a.join(', ')}] and b [${b.join(', ')}] must both be 2-D or both 3-D (batch, rows, cols)`);
  }
  const batch = a.length === 3 ? a[0] : 1;
  if (b.length === 3 && b[0] !== batch) throw new Error(`matmul: batch of a (${batch}) != batch of b (${b[0]})`);
  const [ar, ac] = a.slice(-2);
  const [br, bc] = b.slice(-2);
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [kb, n] = transposeB ? [bc, br] : [br, bc];
  if (k !== kb) {
    throw new Error(`matmul: inner sizes differ: op(a) is ${m}x${k}, op(b) is ${kb}x${n} (a [${a.join(', ')}]${transposeA ? '^T' : ''}, b [${b.join(', ')}]${transposeB ? '^T' : ''})`);
  }
  return { batch, m, n, k };
}

/** c = act(op(a) @ op(b) + bias). a: (…, M, K) | (…, K, M)^T, b: (…, K, N) | (…, N, K)^T -> c: (…, M, N). */
export function matmul(ctx: GpuContext, a: GpuArray, b: GpuArray, options: MatmulOptions = {}): GpuArray {
  const { transposeA = false, transposeB = false, bias, activation = 'none' } = options;
  const shape = matmulShape(a.shape, b.shape, transposeA, transposeB);
  const { batch, m, n, k } = shape;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== n)) {
    throw new Error(`matmul: bias has shape [${bias.shape.join(', ')}], expected [${n}]`);
  }
  const outShape = a.shape.length === 3 ? [batch, m, n] : [m, n];
  const c = options.out ?? empty(ctx, outShape, 'matmul.c');
  if (k === 0) {
    // An empty sum: c is the bias (through the activation), which the kernels would also give,
    // but without reading a or b.
    return fillWithBias(ctx, c, shape, bias, activation);
  }
  if (!options.variant) ctx.noteUntuned(matmulTuningKey(shape), () => tuneMatmul(ctx, [shape]));
  const variant = options.variant ?? matmulVariantFor(ctx, shape);
  if (!matmulVariantAvailable(ctx, variant)) {
    throw new Error(`matmul: variant '${variant}' cannot run on ${ctx.adapter.name} (it needs the subgroups feature with 8-wide subgroups)`);
  }
  const config = narrowed(VARIANT_CONFIGS[variant], variant, m, n, batch);
  // The packed variant reads op(a) and op(b) from panels, so it has no strides of its own.
  const [left, right] = variant === 'packed' ? packOperands(ctx, a, b, shape, transposeA, transposeB) : [a, b];
  // Transposes (as strides), bias and activation are params: one pipeline per variant and
  // workgroup size, whichever products a model asks for (each is compiled at its first dispatch).
  const kernel = ctx.kernel({ name: `matmul/${variant}`, source: config.source, overrides: config.overrides });
  const epilogue = { hasBias: Number(bias !== undefined), relu: activation === 'relu' ? 1 : 0 };
  const params = variant === 'packed' ? { m, n, k: packedDepth(k), ...epilogue } : { m, n, k, ...operandStrides(shape, transposeA, transposeB), ...epilogue };
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  const grid = [Math.ceil(n / config.cover[0]), Math.ceil(m / config.cover[1]), batch];
  if (grid.some((g) => g > max)) throw new Error(`matmul: grid [${grid.join(', ')}] passes maxComputeWorkgroupsPerDimension ${max}`);
  // NOTE: without a bias the `bias` binding still needs a buffer; a is read-only too, so it serves.
  ctx.dispatch(kernel, { a: left.buffer, b: right.buffer, bias: (bias ?? a).buffer, c: c.buffer }, params, grid);
  if (left !== a) free(ctx, left);
  if (right !== b) free(ctx, right);
  return c;
}

/**
 * The subgroup and packed variants' workgroups: WG / 8 subgroups stacked along M when c fills
 * such a workgroup's rows and gives at least 4 of them, else one subgroup per workgroup. Two
 * sizes, not one per M: on lavapipe every WG is a pipeline compiled at its first dispatch (about
 * a second each), and nothing is shared between a workgroup's subgroups, so smaller workgroups
 * lose nothing but a little scheduling. Rows past M are still computed (the MNIST CNN's dense
 * layers at batch 64 left half of each 128-row workgroup idle), and a CPU driver runs a workgroup
 * on one thread, so c must come in several workgroups to use every core (lab-cnn's
 * Linear(760, 10) at batch 32 ran on one core in one workgroup).
 */
function narrowed(config: VariantConfig, variant: MatmulVariant, m: number, n: number, batch: number): VariantConfig {
  if (variant !== 'subgroup' && variant !== 'packed') return config;
  const fullWorkgroups = Math.floor(m / config.cover[1]) * Math.ceil(n / config.cover[0]) * batch;
  if (fullWorkgroups >= 4 || config.overrides.WG === 8) return config;
  const rowsPerSubgroup = config.cover[1] / (config.overrides.WG / 8);
  return { ...config, overrides: { ...config.overrides, WG: 8 }, cover: [config.cover[0], rowsPerSubgroup] };
}

function fillWithBias(ctx: GpuContext, c: GpuArray, shape: Required<MatmulShape>, bias: GpuArray | undefined, activation: MatmulActivation): GpuArray {
  const { batch, m, n } = shape;
  if (!bias) {
    ctx.clear(c.buffer, Math.max(4, batch * m * n * 4));
    return c;
  }
  // (batch*m, 1) @ (1, n) with ones on the left: every row is the bias.
  const ones = zeros(ctx, [batch * m, 1], 'matmul.ones');
  const zero = zeros(ctx, [1, n], 'matmul.zeroRow');
  matmul(ctx, ones, zero, { bias, activation, out: { ...c, shape: [batch * m, n] } });
  free(ctx, ones);
  free(ctx, zero);
  return c;
}

export interface MatmulGradients {
  /** Same shape as a. */
  readonly gradA: GpuArray;
  /** Same shape as b. */
  readonly gradB: GpuArray;
  /** (N), when the forward had a bias. */
  readonly gradBias?: GpuArray;
}

export interface MatmulBackwardOptions extends Omit<MatmulOptions, 'out' | 'bias'> {
  /** Whether the forward added a bias (then gradBias is returned). */
  readonly hasBias?: boolean;
  /** The forward's output c: needed when a relu was fused (its mask is c > 0). */
  readonly output?: GpuArray;
}

/**
 * Gradients of c = act(op(a) @ op(b) + bias) given gradOutput (…, M, N), as matmuls:
 * with g = gradOutput masked by the relu, grad op(a) = g @ op(b)^T, grad op(b) = op(a)^T @ g,
 * gradBias = column sums of g over every row and batch.
 */
export function matmulBackward(ctx: GpuContext, a: GpuArray, b: GpuArray, gradOutput: GpuArray, options: MatmulBackwardOptions = {}): MatmulGradients {
  const { transposeA = false, transposeB = false, activation = 'none', hasBias = false, variant } = options;
  const { batch, m, n } = matmulShape(a.shape, b.shape, transposeA, transposeB);
  let g = gradOutput;
  if (activation === 'relu') {
    if (!options.output) throw new Error('matmulBackward: a fused relu needs the forward output (options.output) for its mask');
    // relu'(c) with c the relu's output: c > 0 exactly where its input was > 0.
    g = unaryBackward(ctx, 'relu', options.output, gradOutput);
  }
  // grad op(a) (M, K) = g (M, N) @ op(b)^T (N, K); stored as a^T (K, M) = op(b) (K, N) @ g^T when transposeA.
  const gradA = transposeA
    ? matmul(ctx, b, g, { transposeA: transposeB, transposeB: true, variant })
    : matmul(ctx, g, b, { transposeB: !transposeB, variant });
  // grad op(b) (K, N) = op(a)^T (K, M) @ g (M, N); stored as b^T (N, K) = g^T @ op(a) when transposeB.
  const gradB = transposeB
    ? matmul(ctx, g, a, { transposeA: true, transposeB: transposeA, variant })
    : matmul(ctx, a, g, { transposeA: !transposeA, variant });
  const gradBias = hasBias ? biasBackward(ctx, g, batch * m, n) : undefined;
  if (g !== gradOutput) free(ctx, g);
  return { gradA, gradB, gradBias };
}

/** gradBias (N) = sum over the `rows` rows of gradOutput (rows, N). */
export function biasBackward(ctx: GpuContext, gradOutput: GpuArray, rows: number, n: number): GpuArray {
  const WG = 64;
  const gradBias = empty(ctx, [n], 'matmul.gradBias');
  const kernel = ctx.kernel({ name: 'matmul/bias_backward', source: biasBackwardSource, overrides: { WG } });
  ctx.dispatch(kernel, { gradOutput: gradOutput.buffer, gradBias: gradBias.buffer }, { rows, n }, [Math.ceil(n / WG)]);
  return gradBias;
}

/**
 * Measures each variant (or those in `among`) on each shape, once per adapter and shape class,
 * and remembers the fastest, which matmul() then uses for shapes of that class. Call before the
 * first training step.
 */
export async function tuneMatmul(ctx: GpuContext, shapes: readonly MatmulShape[], among?: readonly MatmulVariant[]): Promise<MatmulVariant[]> {
  const chosen: MatmulVariant[] = [];
  for (const shape of shapes) {
    const { m, n, k, batch = 1 } = shape;
    const a = zeros(ctx, [batch, m, k], 'matmul.tune.a');
    const b = zeros(ctx, [batch, k, n], 'matmul.tune.b');
    const c = empty(ctx, [batch, m, n], 'matmul.tune.c');
    chosen.push(await chooseMatmulVariant(ctx, shape, (variant) => matmul(ctx, a, b, { variant, out: c }), among));
    for (const x of [a, b, c]) free(ctx, x);
  }
  return chosen;
}

export const matmulOp: OpDef = {
  name: 'matmul',
  shaders: ['matmul/naive.wgsl', 'matmul/tiled.wgsl', 'matmul/register.wgsl', 'matmul/subgroup.wgsl', 'matmul/packed.wgsl', 'matmul/pack.wgsl', 'matmul/bias_backward.wgsl'],
  differentiable: true,
  // float32 sums of up to K products, against a float64 reference.
  tolerance: { atol: 1e-5, rtol: 1e-4, gradAtol: 1e-5, gradRtol: 1e-4 },
};
