/** CPU reference of the unary ops, in float64: the oracle for the GPU kernels. */
import type { UnaryOp } from './index';

export function unaryReference(op: UnaryOp, x: ArrayLike<number>, alpha = 1, beta = 0): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = apply(op, x[i], alpha, beta);
  return y;
}

export function unaryBackwardReference(op: UnaryOp, x: ArrayLike<number>, gradOutput: ArrayLike<number>, alpha = 1): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) g[i] = gradOutput[i] * derivative(op, x[i], alpha);
  return g;
}

function apply(op: UnaryOp, v: number, alpha: number, beta: number): number {
  switch (op) {
    case 'relu': return Math.max(v, 0);
    case 'neg': return -v;
    case 'exp': return Math.exp(v);
    case 'log': return Math.log(v);
    case 'sqrt': return Math.sqrt(v);
    case 'abs': return Math.abs(v);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'tanh': return Math.tanh(v);
    case 'square': return v * v;
    case 'reciprocal': return 1 / v;
    case 'scale': return alpha * v + beta;
    case 'leakyRelu': return v > 0 ? v : alpha * v;
  }
}

function derivative(op: UnaryOp, v: number, alpha: number): number {
  switch (op) {
    case 'relu': return v > 0 ? 1 : 0;
    case 'neg': return -1;
    case 'exp': return Math.exp(v);
    case 'log': return 1 / v;
    case 'sqrt': return 0.5 / Math.sqrt(v);
    case 'abs': return Math.sign(v);
    case 'sigmoid': { const s = 1 / (1 + Math.exp(-v)); return s * (1 - s); }
    case 'tanh': { const t = Math.tanh(v); return 1 - t * t; }
    case 'square': return 2 * v;
    case 'reciprocal': return -1 / (v * v);
    case 'scale': return alpha;
    case 'leakyRelu': return v > 0 ? 1 : alpha;
  }
}
