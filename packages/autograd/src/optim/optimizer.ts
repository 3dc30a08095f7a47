/**
 * Optimizer base: parameters, the learning rate (schedules set it each step), a step count
 * per parameter (as torch.optim keeps one per parameter state), and state arrays on the GPU.
 * zeroGrad() drops the gradients (PyTorch's set_to_none=True); step() updates in place.
 */
import { sizeOf, type GpuContext } from '@duet/gpu';
import { fromData, toData, zeros, type GpuArray } from '../kernels';
import type { HostTensor } from '../nn/module';
import { noGrad, type Tensor } from '../tensor';

/** An optimizer's state on the host: per-parameter arrays and steps (for checkpoints). */
export interface OptimizerState {
  readonly kind: string;
  readonly lr: number;
  /** Steps taken per parameter (0: no state yet), in parameter order. */
  readonly steps: readonly number[];
  /** Named arrays: `${parameterIndex}.${stateName}` (PyTorch's names: momentum_buffer, exp_avg, exp_avg_sq). */
  readonly arrays: ReadonlyMap<string, HostTensor>;
}

/** One parameter's part of a step: its gradient, its step count (from 1) and its state arrays. */
export interface ParameterUpdate {
  readonly p: Tensor;
  readonly grad: GpuArray;
  readonly step: number;
  readonly state: (name: string) => GpuArray;
}

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  protected readonly steps: number[];
  private readonly states: Map<string, GpuArray>[];

  constructor(params: readonly Tensor[], public lr: number, protected readonly kind: string, private readonly stateNames: readonly string[]) {
    if (params.length === 0) throw new Error(`${kind}: no parameters to optimise`);
    this.params = params;
    this.steps = params.map(() => 0);
    this.states = params.map(() => new Map());
  }

  get ctx(): GpuContext {
    return this.params[0].ctx;
  }

  zeroGrad(): void {
    for (const p of this.params) p.clearGrad();
  }

  /** One update of every parameter that has a gradient (others are skipped, as in PyTorch). */
  step(): void {
    const updates: ParameterUpdate[] = [];
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      this.steps[i]++;
      updates.push({ p, grad: p.grad, step: this.steps[i], state: (name) => this.stateArray(i, name) });
    });
    noGrad(() => this.updateAll(updates));
  }

  /** Updates every parameter of one step in place from its gradient (kernels may batch them). */
  protected abstract updateAll(updates: readonly ParameterUpdate[]): void;

  async stateDict(): Promise<OptimizerState> {
    const arrays = new Map<string, HostTensor>();
    for (const [i, state] of this.states.entries()) {
      for (const [name, a] of state) arrays.set(`${i}.${name}`, { shape: [...a.shape], data: await toData(this.ctx, a) });
    }
    return { kind: this.kind, lr: this.lr, steps: [...this.steps], arrays };
  }

  loadStateDict(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new Error(`loadStateDict: state of a ${state.kind} optimizer given to ${this.kind}`);
    if (state.steps.length !== this.params.length) throw new Error(`loadStateDict: state for ${state.steps.length} parameters, this ${this.kind} has ${this.params.length}`);
    for (const [key, value] of state.arrays) {
      const [index, name] = [Number(key.slice(0, key.indexOf('.'))), key.slice(key.indexOf('.') + 1)];
      const p = this.params[index];
      if (!p || !this.stateNames.includes(name)) throw new Error(`loadStateDict: unexpected ${this.kind} state '${key}'`);
      if (value.data.length !== sizeOf(p.shape)) throw new Error(`loadStateDict: '${key}' has ${value.data.length} values, parameter ${index} has ${sizeOf(p.shape)}`);
      const previous = this.states[index].get(name);
      if (previous) this.ctx.release(previous.buffer);
      this.states[index].set(name, fromData(this.ctx, value.data, p.shape, `${this.kind}.${name}`));
    }
    this.steps.splice(0, this.steps.length, ...state.steps);
    this.lr = state.lr;
  }

  /** Returns the state arrays to the pool. */
  free(): void {
    for (const state of this.states) {
      for (const a of state.values()) this.ctx.release(a.buffer);
      state.clear();
    }
  }

  private stateArray(i: number, name: string): GpuArray {
    let a = this.states[i].get(name);
    if (!a) {
      // Zeros, as torch creates exp_avg / exp_avg_sq; the momentum buffer is overwritten at its first step.
      a = zeros(this.ctx, this.params[i].shape, `${this.kind}.${name}`);
      this.states[i].set(name, a);
    }
    return a;
  }
}
