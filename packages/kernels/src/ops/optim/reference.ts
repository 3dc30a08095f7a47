/** CPU reference of the optimizer updates in float64, torch.optim's formulas: the oracle for the kernels. */
import type { AdamHyper, SgdHyper } from './index';

export interface SgdReferenceState {
  readonly param: Float64Array;
  /** Empty when momentum is 0. */
  readonly momentumBuffer: Float64Array;
}

export interface AdamReferenceState {
  readonly param: Float64Array;
  readonly expAvg: Float64Array;
  readonly expAvgSq: Float64Array;
}

/** One SGD step (`step` counts from 1); returns new arrays, leaving its inputs alone. */
export function sgdReference(
  param: ArrayLike<number>,
  grad: ArrayLike<number>,
  momentumBuffer: ArrayLike<number>,
  hyper: SgdHyper,
  step: number,
): SgdReferenceState {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = hyper;
  const next = Float64Array.from(param);
  const buf = momentum !== 0 ? new Float64Array(param.length) : new Float64Array(0);
  for (let i = 0; i < param.length; i++) {
    let d = grad[i] + weightDecay * param[i];
    if (momentum !== 0) {
      // PyTorch creates the buffer as a copy of d at the first step: no dampening then.
      buf[i] = step === 1 ? d : momentum * momentumBuffer[i] + (1 - dampening) * d;
      d = nesterov ? d + momentum * buf[i] : buf[i];
    }
    next[i] = param[i] - lr * d;
  }
  return { param: next, momentumBuffer: buf };
}

/** One Adam / AdamW step (`step` counts from 1); returns new arrays, leaving its inputs alone. */
export function adamReference(
  param: ArrayLike<number>,
  grad: ArrayLike<number>,
  expAvg: ArrayLike<number>,
  expAvgSq: ArrayLike<number>,
  hyper: AdamHyper,
  step: number,
): AdamReferenceState {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decoupledWeightDecay = false } = hyper;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const next = new Float64Array(param.length);
  const m = new Float64Array(param.length);
  const v = new Float64Array(param.length);
  for (let i = 0; i < param.length; i++) {
    let p = param[i];
    let g = grad[i];
    if (decoupledWeightDecay) p *= 1 - lr * weightDecay;
    else g += weightDecay * p;
    m[i] = beta1 * expAvg[i] + (1 - beta1) * g;
    v[i] = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
    const denom = Math.sqrt(v[i]) / Math.sqrt(biasCorrection2) + eps;
    next[i] = p - (lr / biasCorrection1) * (m[i] / denom);
  }
  return { param: next, expAvg: m, expAvgSq: v };
}
