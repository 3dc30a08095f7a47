/** torch.optim.SGD: momentum, dampening, nesterov, weight decay; one kernel per parameter. */
import { sgdStep, type GpuArray } from '../kernels';
import type { Tensor } from '../tensor';
import { Optimizer } from './optimizer';

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

  protected update(p: Tensor, grad: GpuArray, step: number, state: (name: string) => GpuArray): void {
    const momentum = this.options.momentum ?? 0;
    sgdStep(this.ctx, { param: p.data, grad, momentumBuffer: momentum !== 0 ? state('momentum_buffer') : undefined }, { ...this.options, lr: this.lr }, step);
  }
}
