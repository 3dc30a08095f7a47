/**
 * Tensor and tape: define-by-run reverse-mode autodiff over GPU arrays, micrograd-shaped.
 * Every op on tensors that need a gradient records a node {op, parents, backward} on its
 * output; `backward()` sorts the graph topologically and walks it in reverse, each node's
 * closure dispatching backward kernels, gradients accumulating with += (the binary add kernel).
 * Layout is row-major, NCHW for images; data is float32.
 */
import type { GpuContext } from '@duet/gpu';
import { binary, empty, free, fromData, reshapeArray, toData, type GpuArray } from './kernels';

/** Gradients of an op's inputs from the gradient of its output; null where `needs` is false. */
export type BackwardFn = (gradOutput: GpuArray, needs: readonly boolean[]) => readonly (GpuArray | null)[];

/** One recorded op. A backward closure may return gradOutput itself (a view) for one parent. */
export interface Node {
  readonly op: string;
  readonly parents: readonly Tensor[];
  readonly backward: BackwardFn | null;
}

let gradEnabled = true;
let currentScope: Scope | null = null;

export class Tensor {
  grad: GpuArray | null = null;
  /** Set by the op that produced this tensor; null for leaves and for results of no-grad ops. */
  node: Node | null = null;

  constructor(
    readonly ctx: GpuContext,
    public data: GpuArray,
    public requiresGrad = false,
    /** False for views (reshape, flatten): their buffer belongs to the tensor they view. */
    readonly ownsData = true,
  ) {
    currentScope?.track(this);
  }

  /** A leaf from host data (float32). */
  static from(ctx: GpuContext, values: ArrayLike<number>, shape: readonly number[], requiresGrad = false, label = 'tensor'): Tensor {
    return new Tensor(ctx, fromData(ctx, Float32Array.from(values), shape, label), requiresGrad);
  }

  get shape(): readonly number[] {
    return this.data.shape;
  }

  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Reads the values back (submits first): for metrics and tests, never inside a step. */
  async toArray(): Promise<Float32Array> {
    return toData(this.ctx, this.data);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.data.shape.reduce((a, b) => a * b, 1) !== 1) throw new Error(`item() needs one element, not shape [${this.shape.join(', ')}]`);
    return (await this.toArray())[0];
  }

  /** The same data outside the graph (shares the buffer). */
  detach(): Tensor {
    return new Tensor(this.ctx, this.data, false, false);
  }

  /**
   * Backpropagates from this tensor: gradients accumulate (+=) into every leaf that requires
   * them; gradients of intermediate tensors are freed once passed on. `gradient` defaults to
   * ones for a one-element tensor.
   */
  backward(gradient?: GpuArray): void {
    if (!this.requiresGrad) throw new Error('backward(): this tensor does not require grad (no parameter reached it, or it was made under noGrad)');
    const order = topologicalOrder(this);
    accumulate(this, gradient ? copyOf(this.ctx, gradient) : onesLike(this), null);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const node = t.node!;
      const gradOutput = t.grad;
      if (!gradOutput) continue;
      if (!node.backward) throw new Error(`no backward for op '${node.op}'`);
      const needs = node.parents.map((p) => p.requiresGrad);
      const grads = node.backward(gradOutput, needs);
      if (grads.length !== node.parents.length) throw new Error(`backward of '${node.op}' gave ${grads.length} gradients for ${node.parents.length} inputs`);
      let handedOn = false;
      node.parents.forEach((p, k) => {
        const g = grads[k];
        if (!needs[k]) {
          if (g && g.buffer !== gradOutput.buffer) free(this.ctx, g);
          return;
        }
        if (!g) throw new Error(`backward of '${node.op}' gave no gradient for input ${k}`);
        handedOn = accumulate(p, g, gradOutput) || handedOn;
      });
      // Intermediate gradients are not kept (as in PyTorch without retain_grad).
      if (!handedOn) free(this.ctx, gradOutput);
      t.grad = null;
    }
  }

  /** Drops the accumulated gradient (PyTorch's zero_grad(set_to_none=True)). */
  clearGrad(): void {
    if (this.grad) free(this.ctx, this.grad);
    this.grad = null;
  }

  /** Returns data (when owned) and grad to the pool; the tensor is unusable afterwards. */
  free(): void {
    if (this.ownsData) free(this.ctx, this.data);
    if (this.grad) free(this.ctx, this.grad);
    this.grad = null;
    this.node = null;
  }
}

/**
 * Makes an op's output tensor and, when grad is on and an input needs it, records its node.
 * Ops without a gradient pass `backward` null: reaching them in backward() throws with the name.
 */
export function record(op: string, output: GpuArray, parents: readonly Tensor[], backward: BackwardFn | null, ownsData = true): Tensor {
  const tracked = gradEnabled && parents.some((p) => p.requiresGrad);
  const out = new Tensor(parents[0].ctx, output, tracked, ownsData);
  if (tracked) out.node = { op, parents, backward };
  return out;
}

/** Runs fn without recording (evaluation, optimizer updates); restores the mode on throw. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Owns the tensors created while it runs (the intermediates of a step: activations, saved
 * inputs, the loss) and returns their buffers to the pool on release(). Parameters are made
 * outside any scope, so they and their gradients persist.
 */
export class Scope {
  private readonly tensors: Tensor[] = [];
  private readonly kept = new Set<Tensor>();

  /** Runs a synchronous fn with this scope current (ops record synchronously). */
  run<T>(fn: () => T): T {
    const previous = currentScope;
    currentScope = this;
    try {
      const result = fn();
      if (result instanceof Promise) throw new Error('Scope.run takes a synchronous function: await outside it');
      return result;
    } finally {
      currentScope = previous;
    }
  }

  track(t: Tensor): void {
    this.tensors.push(t);
  }

  /** Exempts a tensor from release (a result that outlives the step). */
  keep(t: Tensor): Tensor {
    this.kept.add(t);
    return t;
  }

  /** Frees every tracked tensor not kept. Safe to call once the step's work is recorded. */
  release(): void {
    for (const t of this.tensors.splice(0)) if (!this.kept.has(t)) t.free();
  }
}

/** Runs fn with no scope current: what it creates (parameters, optimizer state) persists. */
export function outsideScope<T>(fn: () => T): T {
  const previous = currentScope;
  currentScope = null;
  try {
    return fn();
  } finally {
    currentScope = previous;
  }
}

/** Tensors reachable from root that need a gradient and have a node, parents before children. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: deep graphs (long unrolled chains) must not hit the JS stack limit.
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t) || !t.node || !t.requiresGrad) continue;
    visited.add(t);
    stack.push([t, true]);
    for (const p of t.node.parents) if (!visited.has(p)) stack.push([p, false]);
  }
  return order;
}

/** t.grad += g. Returns true when g's buffer is gradOutput's, now owned by t.grad. */
function accumulate(t: Tensor, g: GpuArray, gradOutput: GpuArray | null): boolean {
  const shared = gradOutput !== null && g.buffer === gradOutput.buffer;
  if (g.shape.reduce((a, b) => a * b, 1) !== t.data.shape.reduce((a, b) => a * b, 1)) {
    throw new Error(`gradient of shape [${g.shape.join(', ')}] for a tensor of shape [${t.shape.join(', ')}]`);
  }
  const grad = reshapeArray(g, t.data.shape);
  if (!t.grad) {
    t.grad = grad;
    return shared;
  }
  const sum = binary(t.ctx, 'add', t.grad, grad);
  free(t.ctx, t.grad);
  if (!shared) free(t.ctx, grad);
  t.grad = sum;
  return false;
}

function onesLike(t: Tensor): GpuArray {
  const n = t.data.shape.reduce((a, b) => a * b, 1);
  if (n !== 1) throw new Error(`backward() without a gradient needs a one-element tensor, not shape [${t.shape.join(', ')}]`);
  return fromData(t.ctx, new Float32Array([1]), t.data.shape, 'backward.seed');
}

function copyOf(ctx: GpuContext, a: GpuArray): GpuArray {
  const b = empty(ctx, a.shape, 'backward.seed');
  ctx.copy(a.buffer, b.buffer, a.shape.reduce((x, y) => x * y, 1) * 4);
  return b;
}
