/** CPU reference of softmax and log-softmax over the last axis, in float64. */
import { rowsAndCols } from './index';

/** Softmax (log = false) or log-softmax (log = true) of x with the given shape. */
export function softmaxReference(x: ArrayLike<number>, shape: readonly number[], log = false): Float64Array {
  const { rows, cols } = rowsAndCols(shape);
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
    for (let c = 0; c < cols; c++) {
      const shifted = x[r * cols + c] - m;
      y[r * cols + c] = log ? shifted - Math.log(s) : Math.exp(shifted) / s;
    }
  }
  return y;
}

/** Backward from the forward output y (softmax or log-softmax, as `log` says). */
export function softmaxBackwardReference(y: ArrayLike<number>, shape: readonly number[], gradOutput: ArrayLike<number>, log = false): Float64Array {
  const { rows, cols } = rowsAndCols(shape);
  const gradInput = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += gradOutput[r * cols + c] * (log ? 1 : y[r * cols + c]);
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      gradInput[i] = log ? gradOutput[i] - Math.exp(y[i]) * sum : y[i] * (gradOutput[i] - sum);
    }
  }
  return gradInput;
}
