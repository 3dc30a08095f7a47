/** torch.optim.Adam and AdamW (amsgrad off); one kernel per parameter. */
import { adamStep } from '../kernels';
import type { Tensor } from '../tensor';
import { Optimizer, type ParameterUpdate } from './optimizer';

export interface AdamOptions {
  readonly lr?: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  readonly weightDecay?: number;
}

export class Adam extends Optimizer {
  constructor(params: readonly Tensor[], readonly options: AdamOptions = {}, kind = 'Adam', private readonly decoupled = false) {
    super(params, options.lr ?? 1e-3, kind, ['exp_avg', 'exp_avg_sq']);
  }

  protected updateAll(updates: readonly ParameterUpdate[]): void {
    const [beta1, beta2] = this.options.betas ?? [0.9, 0.999];
    const hyper = { lr: this.lr, beta1, beta2, eps: this.options.eps ?? 1e-8, weightDecay: this.options.weightDecay ?? (this.decoupled ? 1e-2 : 0), decoupledWeightDecay: this.decoupled };
    for (const { p, grad, step, state } of updates) {
      adamStep(this.ctx, { param: p.data, grad, expAvg: state('exp_avg'), expAvgSq: state('exp_avg_sq') }, hyper, step);
    }
  }
}

/** AdamW: weight decay applied to the parameter directly (default 1e-2, as torch). */
export class AdamW extends Adam {
  constructor(params: readonly Tensor[], options: AdamOptions = {}) {
    super(params, options, 'AdamW', true);
  }
}
