/**
 * torch.optim.SGD: momentum, dampening, nesterov, weight decay. A step updates all parameters
 * with multi-tensor kernels (one dispatch per SGD_MULTI_SLOTS parameters), not one per parameter.
 */
import { sgdStepMulti } from '../kernels';
import type { Tensor } from '../tensor';
import { Optimizer, type ParameterUpdate } from './optimizer';

export interface SgdOptions {
  readonly lr: number;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

export class SGD extends Optimizer {
  constructor(params: readonly Tensor[], readonly options: SgdOptions) {
    super(params, options.lr, 'SGD', ['momentum_buffer']);
  }

  protected updateAll(updates: readonly ParameterUpdate[]): void {
    const momentum = this.options.momentum ?? 0;
    const tensors = updates.map((u) => ({ param: u.p.data, grad: u.grad, momentumBuffer: momentum !== 0 ? u.state('momentum_buffer') : undefined, step: u.step }));
    sgdStepMulti(this.ctx, tensors, { ...this.options, lr: this.lr });
  }
}
