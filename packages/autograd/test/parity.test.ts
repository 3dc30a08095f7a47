/**
 * PyTorch parity: tiny models (MLP; conv+relu+batchnorm; conv+relu+maxpool) trained 3 steps on a fixed batch with SGD (momentum, weight
 * decay), Adam and AdamW, starting from PyTorch's initial weights; each step's loss and the
 * final state (weights, biases, BatchNorm running statistics) match torch 1.13.
 * Fixture: fixtures/gen_parity.py. Also the LR schedules against torch.optim.lr_scheduler.
 */
import { describe, expect, it } from 'vitest';
import type { GpuContext } from '@duet/gpu';
import { describeGpu, expectClose, itGpu } from '@duet/gpu/testing';
import {
  Adam, AdamW, BatchNorm2d, Conv2d, cosineLr, crossEntropy, Flatten, Linear, MaxPool2d, oneCycleLr, oneCycleMomentum, ReLU, Scope, Sequential, SGD,
  stepLr, Tensor, type HostTensor, type Optimizer,
} from '../src/index';
import fixture from './fixtures/parity.json';

interface Json {
  shape: number[];
  data: number[];
}
interface Case {
  input: Json;
  labels: number[];
  init: Record<string, Json>;
  runs: Record<string, { options: Record<string, number>; losses: number[]; final: Record<string, Json> }>;
}

function hostState(state: Record<string, Json>): Map<string, HostTensor> {
  return new Map(Object.entries(state).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]));
}

const models: Record<'mlp' | 'cnn' | 'pool', (ctx: GpuContext) => Sequential> = {
  mlp: (ctx) => new Sequential(ctx, new Linear(ctx, 6, 5), new ReLU(ctx), new Linear(ctx, 5, 3)),
  cnn: (ctx) => new Sequential(ctx, new Conv2d(ctx, 1, 2, 3, { stride: 2 }), new ReLU(ctx), new BatchNorm2d(ctx, 2), new Flatten(ctx), new Linear(ctx, 18, 3)),
  pool: (ctx) => new Sequential(ctx, new Conv2d(ctx, 1, 3, 3, { padding: 1 }), new ReLU(ctx), new MaxPool2d(ctx, 2), new Flatten(ctx), new Linear(ctx, 27, 3)),
};

function optimizer(name: string, params: Tensor[], options: Record<string, number>): Optimizer {
  if (name === 'sgd') return new SGD(params, { lr: options.lr, momentum: options.momentum, weightDecay: options.weightDecay });
  if (name === 'adam') return new Adam(params, { lr: options.lr });
  return new AdamW(params, { lr: options.lr, weightDecay: options.weightDecay });
}

describeGpu('training matches PyTorch step by step', (gpu) => {
  for (const modelName of ['mlp', 'cnn', 'pool'] as const) {
    const c = fixture[modelName] as Case;
    for (const [optName, run] of Object.entries(c.runs)) {
      itGpu(`${modelName} with ${optName}: losses and final state`, async () => {
        const ctx = gpu();
        const model = models[modelName](ctx);
        model.loadStateDict(hostState(c.init));
        const opt = optimizer(optName, model.parameters(), run.options);
        const labels = Uint32Array.from(c.labels);
        for (let step = 0; step < run.losses.length; step++) {
          const scope = new Scope();
          const loss = scope.run(() => crossEntropy(model.forward(Tensor.from(ctx, c.input.data, c.input.shape)), labels));
          opt.zeroGrad();
          loss.backward();
          opt.step();
          expectClose([await loss.item()], [run.losses[step]], 1e-5, 1e-5, `${modelName}/${optName} loss at step ${step}`);
          scope.release();
        }
        const final = await model.stateDict();
        expect([...final.keys()], 'state dict names as in PyTorch').toEqual(Object.keys(run.final));
        for (const [name, expected] of Object.entries(run.final)) {
          expectClose(final.get(name)!.data, expected.data, 2e-5, 1e-4, `${modelName}/${optName} final ${name}`);
        }
        model.free();
        opt.free();
      });
    }
  }
});

describe('LR schedules match torch.optim.lr_scheduler', () => {
  const s = fixture.schedules;
  it('StepLR', () => {
    expectClose(s.step.lrs.map((_, e) => stepLr(e, s.step.options)), s.step.lrs, 1e-12, 1e-12, 'StepLR');
  });
  it('CosineAnnealingLR', () => {
    expectClose(s.cosine.lrs.map((_, t) => cosineLr(t, s.cosine.options)), s.cosine.lrs, 1e-12, 1e-9, 'CosineAnnealingLR');
  });
  it('OneCycleLR (cos, two phases) with its momentum, and linear three-phase', () => {
    expectClose(s.oneCycle.lrs.map((_, t) => oneCycleLr(t, s.oneCycle.options)), s.oneCycle.lrs, 1e-12, 1e-9, 'OneCycleLR');
    expectClose(s.oneCycle.momenta.map((_, t) => oneCycleMomentum(t, s.oneCycle.options)), s.oneCycle.momenta, 1e-12, 1e-9, 'OneCycleLR momentum');
    const three = s.oneCycleThreePhase;
    expectClose(three.lrs.map((_, t) => oneCycleLr(t, { ...three.options, annealStrategy: 'linear' })), three.lrs, 1e-12, 1e-9, 'OneCycleLR three-phase');
  });
});
