/**
 * gru: one layer of PyTorch's torch.nn.GRU (batch_first, gates ordered r, z, n, h0 = 0,
 * optionally bidirectional), and its backward through time.
 * Forward per direction: the input projection of every step at once, xProj = x @ W_ih^T + b_ih
 * (one matmul), then the recurrence, sequential in t: one dispatch of gru_step.wgsl per time step
 * (variant `step`), or one dispatch of gru_sequence.wgsl walking all steps (variant `sequence`;
 * see variants.ts), recorded into the current encoder. Each step's gates are saved for the backward.
 * Backward per direction: the same recurrence walked last to first (gru_step_backward.wgsl per
 * step, or gru_sequence_backward.wgsl), giving the gradients of the gates' pre-activations; the
 * input, weight and bias gradients are then matmuls and column sums over them.
 */
import { dispatch1d, type GpuContext } from '@duet/gpu';
import stepSource from '@duet/shaders/gru/gru_step.wgsl';
import stepBackwardSource from '@duet/shaders/gru/gru_step_backward.wgsl';
import sequenceSource from '@duet/shaders/gru/gru_sequence.wgsl';
import sequenceBackwardSource from '@duet/shaders/gru/gru_sequence_backward.wgsl';
import { empty, free, reshape, zeros, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { binary } from '../binary/index';
import { biasBackward, matmul } from '../matmul/index';
import { chooseGruVariant, gruVariantFor, type GruShape, type GruVariant } from './variants';

export * from './variants';

// Both variants: the step kernels' invocations per workgroup, and the sequence kernels' per batch
// row (each looping over hidden units j, j + 64, … when H > 64).
const WG = 64;

export interface GruOptions {
  /** Force a variant (tests, benchmarks); otherwise the tuned or default one for the adapter. */
  readonly variant?: GruVariant;
}

export interface GruBackwardOptions extends GruOptions {
  /** False skips the input gradient (x is data, not the output of something trained): saves its matmuls. Default true. */
  readonly inputGradient?: boolean;
}

/** One direction's parameters, named and shaped as PyTorch's weight_ih_l0 etc. */
export interface GruWeights {
  /** (3H, I): rows W_ir, W_iz, W_in. */
  readonly weightIh: GpuArray;
  /** (3H, H): rows W_hr, W_hz, W_hn. */
  readonly weightHh: GpuArray;
  /** (3H) */
  readonly biasIh: GpuArray;
  /** (3H) */
  readonly biasHh: GpuArray;
}

/** What the backward needs from the forward, per direction. */
export interface GruSaved {
  /** (B, T, H): the hidden state each step started from (zeros at the direction's first step). */
  readonly hPrev: readonly GpuArray[];
  /** (B, T, 4H): r, z, n and W_hn h + b_hn of every step. */
  readonly gates: readonly GpuArray[];
}

export interface GruResult {
  /** (B, T, D*H): both directions' h_t side by side, forward first, as PyTorch. */
  readonly output: GpuArray;
  /** (D, B, H): each direction's last hidden state (PyTorch's h_n). */
  readonly hidden: GpuArray;
  readonly saved: GruSaved;
}

export interface GruWeightGrads {
  readonly gradWeightIh: GpuArray;
  readonly gradWeightHh: GpuArray;
  readonly gradBiasIh: GpuArray;
  readonly gradBiasHh: GpuArray;
}

export interface GruGradients {
  /** (B, T, I); null when the options asked for none. */
  readonly gradInput: GpuArray | null;
  /** One per direction, shaped as the weights. */
  readonly gradWeights: readonly GruWeightGrads[];
}

/** (B, T, I, H) of a GRU call, checking every operand against them. */
export function gruShape(x: GpuArray, directions: readonly GruWeights[]): [number, number, number, number] {
  if (x.shape.length !== 3) throw new Error(`gru: x has shape [${x.shape.join(', ')}], expected (B, T, I) (batch_first)`);
  if (directions.length !== 1 && directions.length !== 2) throw new Error(`gru: ${directions.length} directions given, expected 1 or 2 (bidirectional)`);
  const [b, t, i] = x.shape;
  const h = directions[0].weightHh.shape[1];
  directions.forEach((w, d) => {
    const expected: [string, GpuArray, number[]][] = [
      ['weightIh', w.weightIh, [3 * h, i]], ['weightHh', w.weightHh, [3 * h, h]], ['biasIh', w.biasIh, [3 * h]], ['biasHh', w.biasHh, [3 * h]],
    ];
    for (const [name, a, shape] of expected) {
      if (a.shape.join() !== shape.join()) throw new Error(`gru: direction ${d} ${name} has shape [${a.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  });
  return [b, t, i, h];
}

/** x: (B, T, I) -> output (B, T, D*H), hidden (D, B, H); h0 = 0; D = directions.length. */
export function gru(ctx: GpuContext, x: GpuArray, directions: readonly GruWeights[], options: GruOptions = {}): GruResult {
  const [batch, seqLen, inputSize, hiddenSize] = gruShape(x, directions);
  const dirs = directions.length;
  const output = empty(ctx, [batch, seqLen, dirs * hiddenSize], 'gru.output');
  const hidden = empty(ctx, [dirs, batch, hiddenSize], 'gru.hidden');
  const hPrev: GpuArray[] = [];
  const gates: GpuArray[] = [];
  const variant = options.variant ?? gruVariantFor(ctx, { batch, seqLen, hiddenSize });
  const size = batch * hiddenSize;
  const grid = dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension);
  const rows = reshape(x, [batch * seqLen, inputSize]);
  directions.forEach((w, d) => {
    // xProj: (B*T, I) @ W_ih^T (I, 3H) + b_ih -> (B*T, 3H), every step at once.
    const xProj = matmul(ctx, rows, w.weightIh, { transposeB: true, bias: w.biasIh });
    const saveH = empty(ctx, [batch, seqLen, hiddenSize], 'gru.hPrev');
    const saveGates = empty(ctx, [batch, seqLen, 4 * hiddenSize], 'gru.gates');
    const buffers = {
      xProj: xProj.buffer, weightHh: w.weightHh.buffer, biasHh: w.biasHh.buffer,
      output: output.buffer, hPrev: saveH.buffer, gates: saveGates.buffer, hidden: hidden.buffer,
    };
    const layout = { outputStride: dirs * hiddenSize, outputOffset: d * hiddenSize };
    if (variant === 'sequence') {
      const kernel = ctx.kernel({ name: 'gru/sequence', source: sequenceSource, overrides: { WG } });
      ctx.dispatch(kernel, buffers, { batch, hiddenSize, seqLen, reverse: d, ...layout, hiddenOffset: d * size }, [batch]);
    } else {
      const kernel = ctx.kernel({ name: 'gru/step', source: stepSource, overrides: { WG } });
      for (let s = 0; s < seqLen; s++) {
        const reverse = d === 1;
        const step = reverse ? seqLen - 1 - s : s;
        const params = {
          size, hiddenSize, seqLen, step, prevStep: s > 0 ? (reverse ? step + 1 : step - 1) : 0, hasPrev: Number(s > 0), isLast: Number(s === seqLen - 1),
          ...layout, hiddenOffset: d * size,
        };
        ctx.dispatch(kernel, buffers, params, grid);
      }
    }
    if (seqLen === 0) ctx.clear(hidden.buffer, Math.max(4, hidden.buffer.size));
    free(ctx, xProj);
    hPrev.push(saveH);
    gates.push(saveGates);
  });
  return { output, hidden, saved: { hPrev, gates } };
}

/**
 * Gradients of output = gru(x, directions) given gradOutput (B, T, D*H). The final hidden state
 * gets no gradient of its own here (it is output's last step of each direction; a caller that
 * uses both slices it from output). h0 is zero and gets none.
 */
export function gruBackward(ctx: GpuContext, x: GpuArray, directions: readonly GruWeights[], saved: GruSaved, gradOutput: GpuArray, options: GruBackwardOptions = {}): GruGradients {
  const [batch, seqLen, inputSize, hiddenSize] = gruShape(x, directions);
  const dirs = directions.length;
  if (gradOutput.shape.join() !== [batch, seqLen, dirs * hiddenSize].join()) {
    throw new Error(`gruBackward: gradOutput has shape [${gradOutput.shape.join(', ')}], expected [${[batch, seqLen, dirs * hiddenSize].join(', ')}]`);
  }
  const variant = options.variant ?? gruVariantFor(ctx, { batch, seqLen, hiddenSize });
  const size = batch * hiddenSize;
  const grid = dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension);
  const rows = reshape(x, [batch * seqLen, inputSize]);
  const rowCount = batch * seqLen;
  let gradInput: GpuArray | null = null;
  const gradWeights = directions.map((w, d) => {
    const dh = empty(ctx, [batch, seqLen, hiddenSize], 'gru.dh');
    const gradXProj = empty(ctx, [rowCount, 3 * hiddenSize], 'gru.gradXProj');
    const gradHh = empty(ctx, [rowCount, 3 * hiddenSize], 'gru.gradHh');
    const reverse = d === 1;
    const buffers = {
      gradOutput: gradOutput.buffer, gates: saved.gates[d].buffer, hPrev: saved.hPrev[d].buffer, weightHh: w.weightHh.buffer,
      dh: dh.buffer, gradXProj: gradXProj.buffer, gradHh: gradHh.buffer,
    };
    const layout = { outputStride: dirs * hiddenSize, outputOffset: d * hiddenSize };
    if (variant === 'sequence') {
      const kernel = ctx.kernel({ name: 'gru/sequence_backward', source: sequenceBackwardSource, overrides: { WG } });
      ctx.dispatch(kernel, buffers, { batch, hiddenSize, seqLen, reverse: d, ...layout }, [batch]);
    } else {
      const kernel = ctx.kernel({ name: 'gru/step_backward', source: stepBackwardSource, overrides: { WG } });
      // Steps in the reverse of the order the forward ran them.
      for (let s = seqLen - 1; s >= 0; s--) {
        const step = reverse ? seqLen - 1 - s : s;
        const params = { size, hiddenSize, seqLen, step, nextStep: s < seqLen - 1 ? (reverse ? step - 1 : step + 1) : 0, hasNext: Number(s < seqLen - 1), ...layout };
        ctx.dispatch(kernel, buffers, params, grid);
      }
    }
    free(ctx, dh);
    const hPrevRows = reshape(saved.hPrev[d], [rowCount, hiddenSize]);
    if (options.inputGradient !== false) {
      // gradInput (B*T, I) += gradXProj (B*T, 3H) @ W_ih (3H, I)
      const partial = matmul(ctx, gradXProj, w.weightIh);
      if (gradInput) {
        const sum = binary(ctx, 'add', gradInput, partial);
        free(ctx, gradInput);
        free(ctx, partial);
        gradInput = sum;
      } else {
        gradInput = partial;
      }
    }
    const grads: GruWeightGrads = {
      // gradWeightIh (3H, I) = gradXProj^T (3H, B*T) @ x (B*T, I)
      gradWeightIh: matmul(ctx, gradXProj, rows, { transposeA: true }),
      // gradWeightHh (3H, H) = gradHh^T (3H, B*T) @ hPrev (B*T, H)
      gradWeightHh: matmul(ctx, gradHh, hPrevRows, { transposeA: true }),
      gradBiasIh: biasBackward(ctx, gradXProj, rowCount, 3 * hiddenSize),
      gradBiasHh: biasBackward(ctx, gradHh, rowCount, 3 * hiddenSize),
    };
    free(ctx, gradXProj);
    free(ctx, gradHh);
    return grads;
  });
  return { gradInput: gradInput && reshape(gradInput, [batch, seqLen, inputSize]), gradWeights };
}

/** Returns the saved arrays of a forward to the pool (once its backward is recorded, or not needed). */
export function freeGruSaved(ctx: GpuContext, saved: GruSaved): void {
  for (const a of [...saved.hPrev, ...saved.gates]) free(ctx, a);
}

/**
 * Measures both recurrence variants, forward and backward, on each shape (once per adapter and
 * shape class) and remembers the faster for gru() calls of that class. Call before training.
 */
export async function tuneGru(ctx: GpuContext, shapes: readonly (GruShape & { inputSize: number; bidirectional?: boolean })[]): Promise<GruVariant[]> {
  const chosen: GruVariant[] = [];
  for (const shape of shapes) {
    const { batch, seqLen, hiddenSize, inputSize } = shape;
    const dirs = shape.bidirectional ? 2 : 1;
    const x = zeros(ctx, [batch, seqLen, inputSize], 'gru.tune.x');
    const weights: GruWeights[] = [...Array(dirs)].map(() => ({
      weightIh: zeros(ctx, [3 * hiddenSize, inputSize], 'gru.tune.weightIh'), weightHh: zeros(ctx, [3 * hiddenSize, hiddenSize], 'gru.tune.weightHh'),
      biasIh: zeros(ctx, [3 * hiddenSize], 'gru.tune.biasIh'), biasHh: zeros(ctx, [3 * hiddenSize], 'gru.tune.biasHh'),
    }));
    const gradOutput = zeros(ctx, [batch, seqLen, dirs * hiddenSize], 'gru.tune.gradOutput');
    chosen.push(await chooseGruVariant(ctx, shape, (variant) => {
      const { output, hidden, saved } = gru(ctx, x, weights, { variant });
      const grads = gruBackward(ctx, x, weights, saved, gradOutput, { variant });
      freeGruSaved(ctx, saved);
      for (const a of [output, hidden, grads.gradInput!, ...grads.gradWeights.flatMap((g) => Object.values(g))]) free(ctx, a);
    }));
    for (const a of [x, gradOutput, ...weights.flatMap((w) => Object.values(w))]) free(ctx, a);
  }
  return chosen;
}

export const gruOp: OpDef = {
  name: 'gru',
  shaders: ['gru/gru_step.wgsl', 'gru/gru_step_backward.wgsl', 'gru/gru_sequence.wgsl', 'gru/gru_sequence_backward.wgsl'],
  differentiable: true,
  // float32 recurrences of up to T steps of H-long sums, against a float64 reference.
  tolerance: { atol: 1e-5, rtol: 1e-4, gradAtol: 3e-5, gradRtol: 1e-4 },
};
