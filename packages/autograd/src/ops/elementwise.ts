/** Elementwise ops on tensors: unary (relu, exp, …), binary with broadcasting, and scalars. */
import { binary, binaryBackwardInput, fromData, unary, unaryBackward, type BinaryOp, type UnaryOp } from '../kernels';
import { record, Tensor } from '../tensor';

// x: (...) -> (...)
/** y = f(x) for one of the unary kernel's ops. Tie rule: relu'(0) = 0, as in PyTorch. */
export function unaryOp(op: Exclude<UnaryOp, 'scale'>, x: Tensor, alpha?: number): Tensor {
  const options = alpha === undefined ? {} : { alpha };
  return record(op, unary(x.ctx, op, x.data, options), [x], (g) => [unaryBackward(x.ctx, op, x.data, g, options)]);
}

export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);

/** y = alpha * x + beta. */
export function scale(x: Tensor, alpha: number, beta = 0): Tensor {
  return record('scale', unary(x.ctx, 'scale', x.data, { alpha, beta }), [x], (g) => [unary(x.ctx, 'scale', g, { alpha, beta: 0 })]);
}

// a: (...A), b: (...B) -> broadcast(A, B)
/** y = a op b with broadcasting; each gradient is reduced to its input's shape by the kernel. */
export function binaryOp(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a tensor`);
  const ta = typeof a === 'number' ? constant(b as Tensor, a) : a;
  const tb = typeof b === 'number' ? constant(ta, b) : b;
  const ctx = ta.ctx;
  return record(op, binary(ctx, op, ta.data, tb.data), [ta, tb], (g, needs) => [
    needs[0] ? binaryBackwardInput(ctx, op, 'a', ta.data, tb.data, g) : null,
    needs[1] ? binaryBackwardInput(ctx, op, 'b', ta.data, tb.data, g) : null,
  ]);
}

/** a + b; a scalar on the right is folded into one scale kernel. */
export function add(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? scale(a, 1, b) : binaryOp('add', a, b);
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number' && typeof a !== 'number') return scale(a, 1, -b);
  if (typeof a === 'number' && typeof b !== 'number') return scale(b, -1, a);
  return binaryOp('sub', a, b);
}

export function mul(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? scale(a, b) : binaryOp('mul', a, b);
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return typeof b === 'number' && typeof a !== 'number' ? scale(a, 1 / b) : binaryOp('div', a, b);
}

export const pow = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('pow', a, b);
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('max', a, b);
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binaryOp('min', a, b);

/** A one-element constant (no gradient) on like's device; it broadcasts against anything. */
function constant(like: Tensor, value: number): Tensor {
  return new Tensor(like.ctx, fromData(like.ctx, new Float32Array([value]), [1], 'constant'));
}
