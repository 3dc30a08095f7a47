/**
 * Duet's training step for a workload, built from @duet/autograd's nn modules.
 * NOTE: lab-cnn and the MNIST CNN stay layer lists turned into a Sequential here, because every
 * peer builds the same list (the registry's mnist-cnn, with batch norm, is another network);
 * the packages/models workloads (audio-cnn, fusion) are in models.ts.
 */
import { Conv2d, crossEntropy, Flatten, Linear, MaxPool2d, noGrad, ReLU, Rng, Scope, Sequential, SGD, Tensor, type Module, type Optimizer } from '@duet/autograd';
import type { GpuContext } from '@duet/gpu';
import { free, fromData } from '@duet/kernels';
import { syntheticBatch, type Trainer, type TrainSession, type TrainWorkload } from '../workloads';

export function buildModel(ctx: GpuContext, w: TrainWorkload): Sequential {
  const layers: Module[] = w.layers.map((spec, i) => {
    const rng = new Rng(i + 1);
    switch (spec.kind) {
      case 'conv2d':
        return new Conv2d(ctx, spec.in, spec.out, spec.kernel, { stride: spec.stride, rng });
      case 'linear':
        return new Linear(ctx, spec.in, spec.out, { rng });
      case 'relu':
        return new ReLU(ctx);
      case 'maxpool2d':
        return new MaxPool2d(ctx, spec.kernel);
      case 'flatten':
        return new Flatten(ctx);
    }
  });
  return new Sequential(ctx, ...layers);
}

export function duetTrainer(ctx: GpuContext): Trainer {
  return {
    impl: 'duet',
    backend: ctx.adapter.name,
    async create(w: TrainWorkload): Promise<TrainSession> {
      const model = buildModel(ctx, w);
      const optimizer = new SGD(model.parameters(), { lr: w.optimizer.lr, momentum: w.optimizer.momentum });
      return fixedBatchSession(ctx, w, model, optimizer);
    },
  };
}

/**
 * A training session on one fixed synthetic batch of workload `w`'s shape. A step records
 * forward, loss, backward and the update into one encoder: one submit, no readback. loss() reads
 * the batch's loss without a tape, inside `lossMode` (which switches what it must and returns the
 * undo: models.ts turns dropout off there).
 */
export function fixedBatchSession(
  ctx: GpuContext,
  w: { readonly batch: number; readonly input: readonly number[]; readonly classes: number },
  model: Module,
  optimizer: Optimizer,
  lossMode: () => () => void = () => () => undefined,
): TrainSession {
  const batch = syntheticBatch(w);
  const x = new Tensor(ctx, fromData(ctx, batch.x, [w.batch, ...w.input], 'bench.x'));
  const labels = fromData(ctx, batch.labels, [w.batch], 'bench.labels');
  const step = () => {
    const scope = new Scope();
    const loss = scope.run(() => crossEntropy(model.forward(x), labels));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    scope.release();
    ctx.flush();
  };
  return {
    async run(steps) {
      for (let i = 0; i < steps; i++) step();
      await ctx.sync();
    },
    async tune() {
      await ctx.tunePending();
    },
    async loss() {
      const undo = lossMode();
      const scope = new Scope();
      try {
        const loss = scope.run(() => noGrad(() => crossEntropy(model.forward(x), labels)));
        return await loss.item();
      } finally {
        scope.release();
        undo();
      }
    },
    dispose() {
      model.free();
      optimizer.free();
      x.free();
      free(ctx, labels);
    },
  };
}
