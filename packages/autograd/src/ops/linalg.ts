/** Matrix products on tensors: matmul (with transpose flags) and linear (x @ w^T + b). */
import { free, matmul as matmulKernel, matmulBackward, type GpuArray } from '../kernels';
import { record, type Tensor } from '../tensor';
import { reshape } from './shape';

export interface MatmulArgs {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

// a: (…, M, K), b: (…, K, N) -> (…, M, N), either stored transposed per the flags
export function matmul(a: Tensor, b: Tensor, args: MatmulArgs = {}): Tensor {
  const ctx = a.ctx;
  return record('matmul', matmulKernel(ctx, a.data, b.data, args), [a, b], (g, needs) => {
    const { gradA, gradB } = matmulBackward(ctx, a.data, b.data, g, args);
    return [keep(ctx, gradA, needs[0]), keep(ctx, gradB, needs[1])];
  });
}

export interface LinearArgs {
  /** Fuse a relu into the product (one kernel, and its mask in the backward). */
  readonly activation?: 'none' | 'relu';
}

// x: (..., in), weight: (out, in), bias: (out) -> (..., out)
/** PyTorch's F.linear: x @ weight^T + bias, one matmul with the bias (and optional relu) fused. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, args: LinearArgs = {}): Tensor {
  if (x.shape.length !== 2) {
    const lead = x.shape.slice(0, -1);
    const y = linear(reshape(x, [-1, x.shape[x.shape.length - 1]]), weight, bias, args);
    return reshape(y, [...lead, weight.shape[0]]);
  }
  const ctx = x.ctx;
  const activation = args.activation ?? 'none';
  const y = matmulKernel(ctx, x.data, weight.data, { transposeB: true, bias: bias?.data, activation });
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record(activation === 'relu' ? 'linear+relu' : 'linear', y, parents, (g, needs) => {
    const grads = matmulBackward(ctx, x.data, weight.data, g, { transposeB: true, hasBias: bias !== undefined, activation, output: y });
    const out = [keep(ctx, grads.gradA, needs[0]), keep(ctx, grads.gradB, needs[1])];
    if (bias) out.push(keep(ctx, grads.gradBias!, needs[2]));
    return out;
  });
}

/** The gradient when the input needs one; otherwise it goes straight back to the pool. */
function keep(ctx: Tensor['ctx'], g: GpuArray, needed: boolean): GpuArray | null {
  if (needed) return g;
  free(ctx, g);
  return null;
}
