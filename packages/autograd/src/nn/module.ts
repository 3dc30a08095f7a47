/**
 * Module: the base of every layer. It registers parameters (tensors that get gradients),
 * buffers (state without gradients, such as running statistics) and child modules, and names
 * them as PyTorch does (`features.0.weight`), so state dicts move to and from PyTorch.
 */
import { sizeOf, type GpuContext } from '@duet/gpu';
import { fromData } from '../kernels';
import { outsideScope, Tensor } from '../tensor';

/** A tensor's values on the host, as a state dict holds them. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export abstract class Module {
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  constructor(readonly ctx: GpuContext) {}

  /** x -> y; each module documents its shapes. */
  abstract forward(x: Tensor): Tensor;

  /** Registers a parameter made from host values (outside any step scope, so it persists). */
  protected parameter(name: string, values: Float32Array, shape: readonly number[]): Tensor {
    const t = outsideScope(() => new Tensor(this.ctx, fromData(this.ctx, values, shape, name), true));
    this.ownParameters.set(name, t);
    return t;
  }

  protected buffer(name: string, values: Float32Array, shape: readonly number[]): Tensor {
    const t = outsideScope(() => new Tensor(this.ctx, fromData(this.ctx, values, shape, name)));
    this.ownBuffers.set(name, t);
    return t;
  }

  protected child<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** (name, parameter) pairs, depth first, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    return [
      ...[...this.ownParameters].map(([n, t]): [string, Tensor] => [prefix + n, t]),
      ...[...this.children].flatMap(([n, m]) => m.namedParameters(`${prefix}${n}.`)),
    ];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters and buffers in PyTorch's state_dict order: own parameters, own buffers, then children. */
  namedState(prefix = ''): [string, Tensor][] {
    return [
      ...[...this.ownParameters, ...this.ownBuffers].map(([n, t]): [string, Tensor] => [prefix + n, t]),
      ...[...this.children].flatMap(([n, m]) => m.namedState(`${prefix}${n}.`)),
    ];
  }

  /** Reads every parameter and buffer back to the host (submits; call between steps). */
  async stateDict(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [name, t] of this.namedState()) out.set(name, { shape: [...t.shape], data: await t.toArray() });
    return out;
  }

  /**
   * Overwrites parameters and buffers in place from host values. With strict (default),
   * missing and unexpected names are errors, as in PyTorch; shapes must always match.
   */
  loadStateDict(state: ReadonlyMap<string, HostTensor>, strict = true): void {
    const own = new Map(this.namedState());
    if (strict) {
      const missing = [...own.keys()].filter((k) => !state.has(k));
      const unexpected = [...state.keys()].filter((k) => !own.has(k));
      if (missing.length || unexpected.length) {
        throw new Error(`loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
      }
    }
    const writes: [Tensor, Float32Array][] = [];
    for (const [name, t] of own) {
      const value = state.get(name);
      if (!value) continue;
      if (value.shape.join() !== t.shape.join() || value.data.length !== sizeOf(t.shape)) {
        throw new Error(`loadStateDict: '${name}' has shape [${value.shape.join(', ')}], the module expects [${t.shape.join(', ')}]`);
      }
      writes.push([t, value.data]);
    }
    // NOTE: queue writes land before commands still being recorded: submit those first, so a
    // step recorded earlier reads the old values, as it would have.
    this.ctx.flush();
    for (const [t, data] of writes) this.ctx.write(t.data.buffer, data);
  }

  /** Training mode (batch statistics, dropout on) for this module and its children. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.clearGrad();
  }

  /** Returns every parameter, gradient and buffer to the pool. */
  free(): void {
    for (const [, t] of this.namedState()) t.free();
  }
}
