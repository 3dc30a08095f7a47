/** Reductions of tensors: sum, mean, max over one axis or over everything. */
import { sizeOf } from '@duet/gpu';
import { reduce, reduceBackward, reshapeArray, type ReduceOp } from '../kernels';
import { record, type Tensor } from '../tensor';

export interface ReduceArgs {
  /** The axis to reduce (negative counts from the end); omitted: every element, giving shape []. */
  readonly axis?: number;
  readonly keepdim?: boolean;
}

// x: (..., A, ...) -> (..., [1,] ...), or () over everything
function reduceOp(op: ReduceOp, x: Tensor, args: ReduceArgs): Tensor {
  const whole = args.axis === undefined;
  const input = whole ? reshapeArray(x.data, [sizeOf(x.shape)]) : x.data;
  const options = { axis: args.axis ?? 0, keepdim: whole ? false : args.keepdim };
  const y = reduce(x.ctx, op, input, options);
  return record(op, y, [x], (g) => [reduceBackward(x.ctx, op, input, g, options)]);
}

export const sum = (x: Tensor, args: ReduceArgs = {}): Tensor => reduceOp('sum', x, args);
export const mean = (x: Tensor, args: ReduceArgs = {}): Tensor => reduceOp('mean', x, args);
/** Gradient goes to the first maximal element, as argmax picks. */
export const max = (x: Tensor, args: ReduceArgs = {}): Tensor => reduceOp('max', x, args);
