import { describe, expect, it } from 'vitest';
import { describeGpu, expectClose, itGpu, randomArray } from '@duet/gpu/testing';
import { BufferUsage, type GpuContext } from '@duet/gpu';
import { fromData, free, toData, zeros, type GpuArray } from '../../array';
import { adamStep, adamwStep, flatLayout, optimOp, SGD_MULTI_SLOTS, sgdMultiAvailable, sgdStep, sgdStepMulti, type AdamHyper, type SgdHyper } from './index';
import { adamReference, sgdReference } from './reference';
import torch from './optim_torch.json';

type TorchCase = (typeof torch.cases)[number];
type Hyper = { kind: 'sgd'; hyper: SgdHyper } | { kind: 'adam'; hyper: AdamHyper };

/** torch.optim keyword arguments -> our hyperparameters. */
function hyperOf(c: TorchCase): Hyper {
  const h = c.hyper as unknown as Record<string, number | boolean | number[] | undefined>;
  if (c.kind === 'sgd') {
    return { kind: 'sgd', hyper: { lr: h.lr as number, momentum: h.momentum as number | undefined, dampening: h.dampening as number | undefined, weightDecay: h.weight_decay as number | undefined, nesterov: h.nesterov as boolean | undefined } };
  }
  const [beta1, beta2] = h.betas as number[];
  return { kind: 'adam', hyper: { lr: h.lr as number, beta1, beta2, eps: h.eps as number, weightDecay: h.weight_decay as number, decoupledWeightDecay: c.kind === 'adamw' } };
}

/** Steps the float64 reference through `grads`: the parameter after each step and the final state (a, b). */
function runReference(h: Hyper, param: ArrayLike<number>, grads: ArrayLike<number>[]) {
  let p: Float64Array = Float64Array.from(param);
  let a: Float64Array = new Float64Array(p.length);
  let b: Float64Array = new Float64Array(p.length);
  const trajectory: Float64Array[] = [];
  grads.forEach((g, i) => {
    if (h.kind === 'sgd') ({ param: p, momentumBuffer: a } = sgdReference(p, g, a, h.hyper, i + 1));
    else ({ param: p, expAvg: a, expAvgSq: b } = adamReference(p, g, a, b, h.hyper, i + 1));
    trajectory.push(p);
  });
  return { trajectory, a, b };
}

describe('optim reference', () => {
  it.each(torch.cases.map((c) => [c.name, c] as const))('follows the torch.optim trajectory: %s', (_, c) => {
    const h = hyperOf(c);
    const { trajectory, a, b } = runReference(h, torch.param, torch.grads);
    const state = h.kind === 'sgd' ? { momentumBuffer: a } : { expAvg: a, expAvgSq: b };
    trajectory.forEach((p, i) => expectClose(p, c.trajectory[i], 1e-6, 1e-6, `${c.name} step ${i + 1}`));
    for (const [name, values] of Object.entries(c.state)) {
      expectClose((state as unknown as Record<string, Float64Array>)[name], values, 1e-6, 1e-6, `${c.name} ${name}`);
    }
    if (c.kind === 'sgd' && !('momentum' in c.hyper)) expect(state).toEqual({ momentumBuffer: new Float64Array(0) });
  });
});

describeGpu('optim on the GPU', (gpu) => {
  const { atol, rtol } = optimOp.tolerance;

  interface Buffers {
    param: GpuArray;
    grad: GpuArray;
    a: GpuArray;
    b: GpuArray;
  }

  function upload(ctx: GpuContext, param: ArrayLike<number>): Buffers {
    const n = param.length;
    const zero = () => fromData(ctx, new Float32Array(n), [n], 'state');
    return { param: fromData(ctx, Float32Array.from(param), [n], 'param'), grad: zero(), a: zero(), b: zero() };
  }

  /** NOTE: queue writes overtake recorded work that is not yet submitted, so submit first. */
  function setGrad(ctx: GpuContext, s: Buffers, grad: ArrayLike<number>): void {
    ctx.flush();
    ctx.write(s.grad.buffer, Float32Array.from(grad));
  }

  /** One GPU step of `h` over the buffers (a = momentum buffer or expAvg, b = expAvgSq). */
  function step(ctx: GpuContext, h: Hyper, s: Buffers, t: number, range?: { offset: number; size: number }): void {
    if (h.kind === 'sgd') sgdStep(ctx, { param: s.param, grad: s.grad, momentumBuffer: s.a }, h.hyper, t, range);
    else adamStep(ctx, { param: s.param, grad: s.grad, expAvg: s.a, expAvgSq: s.b }, h.hyper, t, range);
  }

  function freeAll(ctx: GpuContext, s: Buffers): void {
    for (const a of Object.values(s)) free(ctx, a);
  }

  itGpu('follows the torch.optim trajectories to ~1e-6', async () => {
    const ctx = gpu();
    for (const c of torch.cases) {
      const s = upload(ctx, torch.param);
      for (let t = 1; t <= torch.grads.length; t++) {
        setGrad(ctx, s, torch.grads[t - 1]);
        step(ctx, hyperOf(c), s, t);
        expectClose(await toData(ctx, s.param), c.trajectory[t - 1], 1e-6, 1e-6, `${c.name} step ${t}`);
      }
      const state = c.state as Record<string, number[]>;
      if (state.momentumBuffer) expectClose(await toData(ctx, s.a), state.momentumBuffer, 1e-6, 1e-6, `${c.name} momentumBuffer`);
      if (state.expAvg) expectClose(await toData(ctx, s.a), state.expAvg, 1e-6, 1e-6, `${c.name} expAvg`);
      if (state.expAvgSq) expectClose(await toData(ctx, s.b), state.expAvgSq, 1e-6, 1e-6, `${c.name} expAvgSq`);
      freeAll(ctx, s);
    }
  });

  const variants: [string, Hyper][] = [
    ['sgd', { kind: 'sgd', hyper: { lr: 0.3 } }],
    ['sgd momentum + weight decay', { kind: 'sgd', hyper: { lr: 0.1, momentum: 0.9, weightDecay: 0.05 } }],
    ['sgd nesterov', { kind: 'sgd', hyper: { lr: 0.1, momentum: 0.7, nesterov: true } }],
    ['sgd dampening', { kind: 'sgd', hyper: { lr: 0.1, momentum: 0.9, dampening: 0.5 } }],
    ['adam + L2', { kind: 'adam', hyper: { lr: 0.01, weightDecay: 0.1 } }],
    ['adamw', { kind: 'adam', hyper: { lr: 0.02, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.2, decoupledWeightDecay: true } }],
  ];
  for (const [name, h] of variants) {
    // 1000 is not a multiple of the 256-wide workgroup.
    itGpu(`${name}: 3 steps match the reference (n = 1000)`, async () => {
      const ctx = gpu();
      const n = 1000;
      const param = randomArray(n, 1, -2, 2);
      const grads = [2, 3, 4].map((seed) => randomArray(n, seed));
      const s = upload(ctx, param);
      grads.forEach((g, i) => {
        setGrad(ctx, s, g);
        step(ctx, h, s, i + 1);
      });
      const expected = runReference(h, param, grads);
      expectClose(await toData(ctx, s.param), expected.trajectory[2], atol, rtol, `${name} param`);
      if (h.kind === 'adam' || h.hyper.momentum) expectClose(await toData(ctx, s.a), expected.a, atol, rtol, `${name} state`);
      if (h.kind === 'adam') expectClose(await toData(ctx, s.b), expected.b, atol, rtol, `${name} expAvgSq`);
      freeAll(ctx, s);
    });
  }

  // 6 tensors: two dispatches of SGD_MULTI_SLOTS and fewer; 300 and 1000 (75 and 250 vec4s) are
  // not multiples of the 64-wide workgroup, and 1, 7, 257 and 2 end inside a vec4. Tensor 2 joins
  // late (its first step is the others' second).
  for (const [name, h] of variants.filter(([, v]) => v.kind === 'sgd')) {
    itGpu(`${name}: sgdStepMulti over 6 separate tensors matches the reference per tensor`, async () => {
      const ctx = gpu();
      const hyper = (h as { kind: 'sgd'; hyper: SgdHyper }).hyper;
      const sizes = [1, 300, 7, 1000, 257, 2];
      const params = sizes.map((n, k) => randomArray(n, 30 + k, -2, 2));
      const grads = [1, 2].map((t) => sizes.map((n, k) => randomArray(n, 40 + 10 * t + k)));
      const state = sizes.map((n, k) => upload(ctx, params[k]));
      const expected = sizes.map((_, k) => ({ param: Float64Array.from(params[k]) as Float64Array, momentumBuffer: new Float64Array(sizes[k]) as Float64Array, steps: 0 }));
      for (const t of [1, 2]) {
        const joined = sizes.map((_, k) => k !== 2 || t === 2);
        sizes.forEach((_, k) => joined[k] && setGrad(ctx, state[k], grads[t - 1][k]));
        const tensors = sizes.flatMap((_, k) => {
          if (!joined[k]) return [];
          const e = expected[k];
          e.steps++;
          ({ param: e.param, momentumBuffer: e.momentumBuffer } = sgdReference(e.param, grads[t - 1][k], e.momentumBuffer, hyper, e.steps));
          return [{ param: state[k].param, grad: state[k].grad, momentumBuffer: hyper.momentum ? state[k].a : undefined, step: e.steps }];
        });
        sgdStepMulti(ctx, tensors, hyper);
      }
      for (let k = 0; k < sizes.length; k++) {
        expectClose(await toData(ctx, state[k].param), expected[k].param, atol, rtol, `${name} tensor ${k} param`);
        if (hyper.momentum) expectClose(await toData(ctx, state[k].a), expected[k].momentumBuffer, atol, rtol, `${name} tensor ${k} momentumBuffer`);
        freeAll(ctx, state[k]);
      }
    });
  }

  itGpu('sgdStepMulti takes one dispatch per SGD_MULTI_SLOTS tensors where the device binds enough buffers', () => {
    const ctx = gpu();
    const state = [3, 5, 8, 13, 21, 34].map((n, k) => upload(ctx, randomArray(n, 60 + k)));
    const dispatch = ctx.dispatch.bind(ctx);
    let dispatches = 0;
    ctx.dispatch = (...args) => (dispatches++, dispatch(...args));
    try {
      sgdStepMulti(ctx, state.map((s) => ({ param: s.param, grad: s.grad, momentumBuffer: s.a, step: 1 })), { lr: 0.1, momentum: 0.9 });
    } finally {
      ctx.dispatch = dispatch;
    }
    expect(dispatches).toBe(sgdMultiAvailable(ctx) ? Math.ceil(state.length / SGD_MULTI_SLOTS) : state.length);
    expect(() => sgdStepMulti(ctx, [{ param: state[0].param, grad: state[0].grad, step: 1 }], { lr: 0.1, momentum: 0.9 })).toThrow(/needs a momentumBuffer/);
    state.forEach((s) => freeAll(ctx, s));
  });

  itGpu('sgdStepMulti stores the padding of a tensor\'s last vec4 back unchanged, and steps a tensor whose buffers end mid-vec4 alone', async () => {
    const ctx = gpu();
    const n = 5;
    const hyper = { lr: 0.1, momentum: 0.9 };
    const pooled = { param: fromData(ctx, Float32Array.from([1, 2, 3, 4, 5]), [n], 'p'), grad: fromData(ctx, new Float32Array(n).fill(0.5), [n], 'g'), a: zeros(ctx, [n], 'm') };
    // Elements 5..7 of each pooled buffer: the padding sgd_multi reads and writes as part of a vec4.
    const sentinel = Float32Array.from([42, -43, 44]);
    for (const a of Object.values(pooled)) ctx.device.queue.writeBuffer(a.buffer, 4 * n, sentinel);
    // Buffers of exactly 5 floats (20 bytes): no whole vec4 past element 4.
    const exact = (values: number[]): GpuArray => {
      const buffer = ctx.device.createBuffer({ size: 4 * n, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
      ctx.device.queue.writeBuffer(buffer, 0, Float32Array.from(values));
      return { buffer, shape: [n], dtype: 'f32' };
    };
    const unpadded = { param: exact([1, 2, 3, 4, 5]), grad: exact([0.5, 0.5, 0.5, 0.5, 0.5]), a: exact([0, 0, 0, 0, 0]) };
    const dispatch = ctx.dispatch.bind(ctx);
    const kernels: string[] = [];
    ctx.dispatch = (kernel, ...rest) => (kernels.push(kernel.name), dispatch(kernel, ...rest));
    try {
      sgdStepMulti(ctx, [pooled, unpadded].map((t) => ({ param: t.param, grad: t.grad, momentumBuffer: t.a, step: 1 })), hyper);
    } finally {
      ctx.dispatch = dispatch;
    }
    expect(kernels.sort()).toEqual(sgdMultiAvailable(ctx) ? ['optim/sgd', 'optim/sgd_multi'] : ['optim/sgd', 'optim/sgd']);
    const expected = sgdReference([1, 2, 3, 4, 5], new Float64Array(n).fill(0.5), new Float64Array(n), hyper, 1);
    for (const t of [pooled, unpadded]) {
      expectClose(await toData(ctx, t.param), expected.param, atol, rtol, 'param');
      expectClose(await toData(ctx, t.a), expected.momentumBuffer, atol, rtol, 'momentumBuffer');
    }
    for (const [name, a] of Object.entries(pooled)) {
      const padded = await toData(ctx, { ...a, shape: [n + sentinel.length] });
      expect(Array.from(padded.subarray(n)), `${name} padding`).toEqual(Array.from(sentinel));
      free(ctx, a);
    }
    for (const a of Object.values(unpadded)) a.buffer.destroy();
  });

  itGpu('updates several tensors packed in one flat buffer with one dispatch each, and a sub-range alone', async () => {
    const ctx = gpu();
    const sizes = [5, 70, 1];
    const { offsets, total } = flatLayout(sizes);
    expect(offsets).toEqual([0, 64, 192]);
    expect(total).toBe(193);
    const param = new Float32Array(total);
    const grad = new Float32Array(total);
    sizes.forEach((size, k) => {
      param.set(randomArray(size, 10 + k, -1, 1), offsets[k]);
      grad.set(randomArray(size, 20 + k, -1, 1), offsets[k]);
    });
    const hyper: AdamHyper = { lr: 0.05, weightDecay: 0.1 };
    const s = upload(ctx, param);
    setGrad(ctx, s, grad);
    adamwStep(ctx, { param: s.param, grad: s.grad, expAvg: s.a, expAvgSq: s.b }, hyper, 1);
    // Then step 2 on the middle tensor only.
    adamwStep(ctx, { param: s.param, grad: s.grad, expAvg: s.a, expAvgSq: s.b }, hyper, 2, { offset: offsets[1], size: sizes[1] });
    const got = await toData(ctx, s.param);
    const adamw = { ...hyper, decoupledWeightDecay: true };
    const zero = new Float64Array(total);
    sizes.forEach((size, k) => {
      const at = offsets[k];
      const p = param.subarray(at, at + size);
      const g = grad.subarray(at, at + size);
      const once = adamReference(p, g, zero, zero, adamw, 1);
      const expected = k === 1 ? adamReference(once.param, g, once.expAvg, once.expAvgSq, adamw, 2).param : once.param;
      expectClose(got.subarray(at, at + size), expected, atol, rtol, `tensor ${k}`);
    });
    // Zero padding stays zero under the update.
    expect([...got.subarray(sizes[0], offsets[1])].every((v) => v === 0)).toBe(true);
    freeAll(ctx, s);
  });

  itGpu('rejects bad steps, sizes and settings', () => {
    const ctx = gpu();
    const s = upload(ctx, [1, 2, 3]);
    const short = zeros(ctx, [2], 'short');
    expect(() => sgdStep(ctx, { param: s.param, grad: s.grad }, { lr: 0.1 }, 0)).toThrow(/step must be an integer >= 1/);
    expect(() => sgdStep(ctx, { param: s.param, grad: short }, { lr: 0.1 }, 1)).toThrow(/differ in size/);
    expect(() => sgdStep(ctx, { param: s.param, grad: s.grad }, { lr: 0.1, momentum: 0.9 }, 1)).toThrow(/needs a momentumBuffer/);
    expect(() => sgdStep(ctx, { param: s.param, grad: s.grad, momentumBuffer: s.a }, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }, 1)).toThrow(/nesterov/);
    expect(() => adamStep(ctx, { param: s.param, grad: s.grad, expAvg: s.a, expAvgSq: s.b }, { lr: 0.1 }, 1, { offset: 2, size: 2 })).toThrow(/outside the 3 elements/);
    freeAll(ctx, s);
    free(ctx, short);
  });
});
