/** CPU reference of batch_norm2d in float64, PyTorch's semantics: the oracle for the GPU kernels. */

/** (B, C, H, W) */
export type Shape4 = readonly [number, number, number, number];

export interface BatchNorm2dReferenceResult {
  /** (B, C, H, W) */
  readonly output: Float64Array;
  /** (C): batch mean in training mode, running mean in eval mode. */
  readonly mean: Float64Array;
  /** (C): 1 / sqrt(var + eps) of the statistics used. */
  readonly invstd: Float64Array;
  /** (C): running stats after the call (updated copies in training mode, unchanged in eval). */
  readonly runningMean: Float64Array;
  readonly runningVar: Float64Array;
}

export interface BatchNorm2dReferenceGrads {
  readonly gradInput: Float64Array;
  readonly gradWeight: Float64Array;
  readonly gradBias: Float64Array;
}

export interface BatchNorm2dReferenceOptions {
  readonly training: boolean;
  readonly momentum?: number;
  readonly eps?: number;
}

/** x: (B, C, H, W) -> (B, C, H, W). Inputs are never modified; updated running stats are returned. */
export function batchNorm2dReference(
  x: ArrayLike<number>,
  shape: Shape4,
  weight: ArrayLike<number>,
  bias: ArrayLike<number>,
  runningMean: ArrayLike<number>,
  runningVar: ArrayLike<number>,
  options: BatchNorm2dReferenceOptions,
): BatchNorm2dReferenceResult {
  const [batch, channels, height, width] = shape;
  const spatial = height * width;
  const n = batch * spatial;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const mean = new Float64Array(channels);
  const invstd = new Float64Array(channels);
  const newMean = Float64Array.from(runningMean);
  const newVar = Float64Array.from(runningVar);
  for (let c = 0; c < channels; c++) {
    if (options.training) {
      let sum = 0;
      for (let b = 0; b < batch; b++) for (let s = 0; s < spatial; s++) sum += x[(b * channels + c) * spatial + s];
      const m = sum / n;
      let squares = 0;
      for (let b = 0; b < batch; b++) for (let s = 0; s < spatial; s++) squares += (x[(b * channels + c) * spatial + s] - m) ** 2;
      const variance = squares / n;
      mean[c] = m;
      invstd[c] = 1 / Math.sqrt(variance + eps);
      newMean[c] = (1 - momentum) * runningMean[c] + momentum * m;
      newVar[c] = (1 - momentum) * runningVar[c] + momentum * variance * (n / (n - 1));
    } else {
      mean[c] = runningMean[c];
      invstd[c] = 1 / Math.sqrt(runningVar[c] + eps);
    }
  }
  const output = new Float64Array(batch * channels * spatial);
  for (let i = 0; i < output.length; i++) {
    const c = Math.floor(i / spatial) % channels;
    output[i] = (x[i] - mean[c]) * invstd[c] * weight[c] + bias[c];
  }
  return { output, mean, invstd, runningMean: newMean, runningVar: newVar };
}

/**
 * Backward of training-mode batch norm (PyTorch's batch_norm_backward with train=true):
 * gradBias = sum(dy), gradWeight = sum(dy * xhat),
 * gradInput = (dy - sum(dy)/n - xhat * sum(dy * xhat)/n) * invstd * weight.
 */
export function batchNorm2dBackwardReference(
  x: ArrayLike<number>,
  shape: Shape4,
  gradOutput: ArrayLike<number>,
  weight: ArrayLike<number>,
  mean: ArrayLike<number>,
  invstd: ArrayLike<number>,
): BatchNorm2dReferenceGrads {
  const [batch, channels, height, width] = shape;
  const spatial = height * width;
  const n = batch * spatial;
  const gradWeight = new Float64Array(channels);
  const gradBias = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < spatial; s++) {
        const i = (b * channels + c) * spatial + s;
        gradBias[c] += gradOutput[i];
        gradWeight[c] += gradOutput[i] * (x[i] - mean[c]) * invstd[c];
      }
    }
  }
  const gradInput = new Float64Array(batch * channels * spatial);
  for (let i = 0; i < gradInput.length; i++) {
    const c = Math.floor(i / spatial) % channels;
    const xhat = (x[i] - mean[c]) * invstd[c];
    gradInput[i] = (gradOutput[i] - gradBias[c] / n - (xhat * gradWeight[c]) / n) * invstd[c] * weight[c];
  }
  return { gradInput, gradWeight, gradBias };
}
