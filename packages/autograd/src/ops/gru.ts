/** The GRU layer on tensors: one tape node over the gru kernels (forward and backward through time). */
import { free, freeGruSaved, gruBackward, gruKernel, type GpuArray, type GruSaved, type GruWeights } from '../kernels';
import { record, Tensor } from '../tensor';
import { concat, reshape, slice } from './shape';

/** One direction's parameters: PyTorch's weight_ih_l0 (3H, I), weight_hh_l0 (3H, H), bias_ih_l0, bias_hh_l0 (3H). */
export interface GruParameters {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor;
  readonly biasHh: Tensor;
}

// x: (B, T, I), directions: 1 or 2 (forward, reverse) -> (B, T, D*H)
/**
 * torch.nn.GRU's output (batch_first, h0 = 0, gates r, z, n), bidirectional with two
 * directions. The saved gates are held as tensors, so the step's scope frees them.
 */
export function gru(x: Tensor, directions: readonly GruParameters[]): Tensor {
  const ctx = x.ctx;
  const weights: GruWeights[] = directions.map((w) => ({ weightIh: w.weightIh.data, weightHh: w.weightHh.data, biasIh: w.biasIh.data, biasHh: w.biasHh.data }));
  const { output, hidden, saved } = gruKernel(ctx, x.data, weights);
  // The final hidden state is output's last step per direction: gruHidden slices it, with a gradient.
  free(ctx, hidden);
  const parents = [x, ...directions.flatMap((w) => [w.weightIh, w.weightHh, w.biasIh, w.biasHh])];
  // Held as tensors (when the node is recorded) so the step's scope frees them.
  let held: Tensor[] = [];
  const out = record('gru', output, parents, (g, needs) => {
    const kept: GruSaved = { hPrev: held.slice(0, weights.length).map((t) => t.data), gates: held.slice(weights.length).map((t) => t.data) };
    const grads = gruBackward(ctx, x.data, weights, kept, g, { inputGradient: needs[0] });
    const all: (GpuArray | null)[] = [grads.gradInput, ...grads.gradWeights.flatMap((w) => [w.gradWeightIh, w.gradWeightHh, w.gradBiasIh, w.gradBiasHh])];
    return all.map((grad, k) => {
      if (needs[k] || !grad) return grad;
      free(ctx, grad);
      return null;
    });
  });
  if (out.node) held = [...saved.hPrev, ...saved.gates].map((a) => new Tensor(ctx, a));
  else freeGruSaved(ctx, saved);
  return out;
}

// output: (B, T, D*H) -> (D, B, H)
/** PyTorch's h_n from a GRU's output: the forward direction's step T-1, the reverse one's step 0. */
export function gruHidden(output: Tensor, hiddenSize: number): Tensor {
  const [batch, seqLen, width] = output.shape;
  const dirs = width / hiddenSize;
  if (output.shape.length !== 3 || (dirs !== 1 && dirs !== 2)) {
    throw new Error(`gruHidden: output has shape [${output.shape.join(', ')}], expected (B, T, H) or (B, T, 2H) for H = ${hiddenSize}`);
  }
  const last = [...Array(dirs).keys()].map((d) => {
    const step = slice(output, 1, d === 0 ? seqLen - 1 : 0, d === 0 ? seqLen : 1); // (B, 1, D*H)
    const columns = dirs === 1 ? step : slice(step, 2, d * hiddenSize, (d + 1) * hiddenSize); // (B, 1, H)
    return reshape(columns, [1, batch, hiddenSize]);
  });
  return last.length === 1 ? last[0] : concat(last, 0);
}
