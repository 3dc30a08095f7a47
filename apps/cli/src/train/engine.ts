/**
 * The training loop shared by `duet train audio` and `duet train image`. One step records the
 * batch assembly, forward, backward and optimizer update and submits once; nothing is read
 * back inside a step: each step's logits and loss are copied into per-epoch GPU buffers, read
 * once at the end of the epoch (and every few steps for the progress bar). Every random choice
 * is a function of (seed, epoch, step): the batch order (permutation(seed, epoch)), dropout
 * masks (counter = global step) and augmentation (keyed by the global step), so resuming from
 * the checkpoint written at an epoch boundary continues exactly as an uninterrupted run.
 */
import type { GpuContext } from '@duet/gpu';
import { Adam, AdamW, cosineLr, crossEntropy, noGrad, Scope, SGD, Tensor, type Optimizer } from '@duet/autograd';
import { batchCount, epochBatches } from '@duet/data';
import { checkFinite, empty, free, zeros, type GpuArray } from '@duet/kernels';
import { normalizeInput, type BuiltModel, type InputStats, type ModelSpec, type Recipe } from '@duet/models';
import { CliError } from '../errors';
import type { Dataset } from './datasets';
import { summarize, type EpochLine, type Summary } from './metrics';
import { loseDeviceForTest } from './test_faults';
import { Progress } from './progress';

export function makeOptimizer(built: BuiltModel, recipe: Recipe): Optimizer {
  const params = built.module.parameters();
  if (recipe.optimizer === 'sgd') return new SGD(params, { lr: recipe.lr, momentum: recipe.momentum, weightDecay: recipe.weightDecay });
  if (recipe.optimizer === 'adam') return new Adam(params, { lr: recipe.lr, weightDecay: recipe.weightDecay });
  return new AdamW(params, { lr: recipe.lr, weightDecay: recipe.weightDecay });
}

/** The learning rate of an epoch under the recipe's schedule (a pure function: resumable). */
export function epochLr(recipe: Recipe, epoch: number): number {
  return recipe.schedule === 'cosine' ? cosineLr(epoch, { baseLr: recipe.lr, tMax: recipe.epochs }) : recipe.lr;
}

export interface EpochHooks {
  /** Called after each epoch (0-based) with its line and the test summary; saves outputs. */
  onEpoch(epoch: number, line: EpochLine, test: Summary): Promise<void>;
  /** Polled after every step: true stops the run (Ctrl-C). */
  shouldStop(): boolean;
}

export interface LoopArgs {
  readonly ctx: GpuContext;
  readonly built: BuiltModel;
  readonly optimizer: Optimizer;
  readonly spec: ModelSpec;
  readonly recipe: Recipe;
  readonly seed: number;
  readonly train: Dataset;
  readonly test: Dataset;
  /** First epoch to run (0-based): the checkpoint's epoch count when resuming. */
  readonly startEpoch: number;
  readonly hooks: EpochHooks;
  /** Progress output (stderr); null for none. */
  readonly progress: Progress | null;
}

/** Runs epochs startEpoch .. recipe.epochs - 1; returns 'interrupted' when stopped early. */
export async function trainLoop(args: LoopArgs): Promise<'done' | 'interrupted'> {
  const { ctx, built, optimizer, recipe, seed, train, test, hooks } = args;
  const classes = args.spec.labels.length;
  const stats = args.spec.preprocessing.stats;
  const steps = batchCount(train.size, recipe.batchSize, recipe.dropLast);
  if (steps === 0) throw new Error(`the training set has ${train.size} examples, fewer than one batch of ${recipe.batchSize}`);
  const logits = empty(ctx, [steps * recipe.batchSize * classes], 'epoch.logits'); // (N', C)
  const losses = empty(ctx, [steps], 'epoch.losses');
  // Per step: OUTPUT_BIT / LOSS_BIT / GRAD_BIT set on the GPU when its logits / loss / a gradient held NaN or Inf.
  const nonFinite = zeros(ctx, [steps], 'epoch.nonFinite', 'u32');
  try {
    await tuneKernels(args);
    for (let epoch = args.startEpoch; epoch < recipe.epochs; epoch++) {
      const started = performance.now();
      optimizer.lr = epochLr(recipe, epoch);
      built.module.train();
      const order: number[] = [];
      const sizes: number[] = [];
      args.progress?.start(epoch, recipe.epochs, steps * recipe.batchSize);
      ctx.clear(nonFinite.buffer);
      let step = 0;
      for (const indices of epochBatches(train.size, { batchSize: recipe.batchSize, seed, epoch, dropLast: recipe.dropLast })) {
        const globalStep = epoch * steps + step;
        await loseDeviceForTest(ctx, globalStep);
        for (const d of built.dropouts) d.calls = globalStep;
        trainStep(ctx, args, indices, globalStep, stats, { logits: logits.buffer, at: order.length * classes }, { losses: losses.buffer, step }, nonFinite);
        order.push(...indices);
        sizes.push(indices.length);
        step++;
        if (args.progress && (step % args.progress.every === 0 || step === steps)) {
          const recent = await ctx.readFloat32(losses.buffer, step);
          await stopIfNonFinite(ctx, nonFinite, step, epoch, steps, optimizer.lr);
          args.progress.update(order.length, weightedMean(recent, sizes));
        }
        if (hooks.shouldStop()) return 'interrupted';
      }
      const trainSeconds = (performance.now() - started) / 1000;
      const lossValues = await ctx.readFloat32(losses.buffer, steps);
      await stopIfNonFinite(ctx, nonFinite, steps, epoch, steps, optimizer.lr);
      const labels = Uint8Array.from(order, (i) => train.labels[i]);
      const trainSummary = summarize(await ctx.readFloat32(logits.buffer, order.length * classes), labels, classes);
      const testSummary = summarize(await evaluateLogits(ctx, built, stats, test, recipe.batchSize, classes), test.labels, classes);
      const seconds = (performance.now() - started) / 1000;
      args.progress?.finish();
      const line: EpochLine = {
        epoch: epoch + 1,
        train_loss: weightedMean(lossValues, sizes),
        train_acc: trainSummary.accuracy,
        test_loss: testSummary.loss,
        test_acc: testSummary.accuracy,
        seconds: round(seconds, 3),
        samples_per_s: round(order.length / trainSeconds, 1),
      };
      // The test set's logits overflow (NaN loss) before the training loss does: weights this far gone are not saved.
      if (!Number.isFinite(line.test_loss) && testSummary.count > 0) throw nonFiniteError(`epoch ${epoch + 1}: the test loss is ${line.test_loss} (the model's outputs overflowed)`, epoch, false, optimizer.lr);
      await hooks.onEpoch(epoch, line, testSummary);
      if (hooks.shouldStop() && epoch + 1 < recipe.epochs) return 'interrupted';
    }
    return 'done';
  } finally {
    free(ctx, logits);
    free(ctx, losses);
    free(ctx, nonFinite);
  }
}

const LOSS_BIT = 1;
const GRAD_BIT = 2;
const OUTPUT_BIT = 4;

/**
 * Reads the first `count` steps' non-finite flags (with the metrics, never inside a step) and
 * stops the run at the first flagged step. The checkpoint of the last finished epoch is left
 * as it is: nothing of this epoch has been saved yet.
 */
async function stopIfNonFinite(ctx: GpuContext, flags: GpuArray, count: number, epoch: number, steps: number, lr: number): Promise<void> {
  const bits = await ctx.readUint32(flags.buffer, count);
  const at = bits.findIndex((b) => b !== 0);
  if (at < 0) return;
  const what = [bits[at] & OUTPUT_BIT ? 'the outputs' : '', bits[at] & LOSS_BIT ? 'the loss' : '', bits[at] & GRAD_BIT ? 'a gradient' : ''].filter(Boolean).join(', ');
  throw nonFiniteError(`step ${epoch * steps + at + 1} (epoch ${epoch + 1}, batch ${at + 1} of ${steps}): ${what} became NaN or infinite`, epoch, epoch * steps + at === 0, lr);
}

/** The one-line error that stops a run at a non-finite value: where, the likely cause, and what the checkpoint holds. */
function nonFiniteError(where: string, epoch: number, firstStep: boolean, lr: number): CliError {
  // Before the first update only the data (or the initial weights) can be at fault.
  const cause = firstStep ? 'bad input (NaN or Inf in the data of the first batch)' : `a learning rate too high (lr ${lr}: try a smaller --lr), or bad input`;
  const kept = epoch > 0 ? `the checkpoint of epoch ${epoch} stays the newest` : 'no epoch finished, so there is no checkpoint';
  return new CliError(`training stopped at ${where}; likely cause: ${cause}; ${kept}`, 1);
}

/** One training step, recorded and submitted once: batch, forward, loss, backward, update, metric copies. */
/**
 * Picks the kernel variants for this model's layer shapes before the first step: one forward
 * pass on a real batch in eval mode (no tape, no running-statistics update, no dropout), then
 * ctx.tunePending() times the candidates of every shape that has no remembered choice. Choices
 * are remembered per adapter on disk, so every step of this run and of a resumed one runs the
 * same kernels, which keeps resuming exact. It also compiles the forward pipelines up front.
 */
async function tuneKernels(args: LoopArgs): Promise<void> {
  const { ctx, built, recipe, train } = args;
  const first = Uint32Array.from({ length: Math.min(recipe.batchSize, train.size) }, (_, i) => i);
  const scope = new Scope();
  try {
    built.module.eval();
    scope.run(() => noGrad(() => built.module.forward(normalizeInput(new Tensor(ctx, train.batch(first, 0)), args.spec.preprocessing.stats))));
  } finally {
    scope.release();
    built.module.train();
  }
  await ctx.tunePending();
}

function trainStep(
  ctx: GpuContext,
  args: LoopArgs,
  indices: Uint32Array,
  globalStep: number,
  stats: InputStats,
  logitsOut: { logits: GPUBuffer; at: number },
  lossOut: { losses: GPUBuffer; step: number },
  nonFinite: GpuArray,
): void {
  const { built, optimizer, train } = args;
  const labels = Uint32Array.from(indices, (i) => train.labels[i]);
  const scope = new Scope();
  scope.run(() => {
    const x = new Tensor(ctx, train.batch(indices, globalStep)); // (B, C, H, W)
    const out = built.module.forward(normalizeInput(x, stats)); // (B, classes)
    const loss = crossEntropy(out, labels);
    loss.backward();
    checkFinite(ctx, out.data, nonFinite, lossOut.step, OUTPUT_BIT);
    checkFinite(ctx, loss.data, nonFinite, lossOut.step, LOSS_BIT);
    for (const p of built.module.parameters()) if (p.grad) checkFinite(ctx, p.grad, nonFinite, lossOut.step, GRAD_BIT);
    ctx.copy(out.data.buffer, logitsOut.logits, 4 * out.data.shape.reduce((a, b) => a * b, 1), 0, 4 * logitsOut.at);
    ctx.copy(loss.data.buffer, lossOut.losses, 4, 0, 4 * lossOut.step);
  });
  optimizer.step();
  optimizer.zeroGrad();
  scope.release();
  ctx.flush();
}

/** Logits of every example in order (eval mode, no gradient), read back once. -> (N, classes) */
export async function evaluateLogits(ctx: GpuContext, built: BuiltModel, stats: InputStats, data: Dataset, batchSize: number, classes: number): Promise<Float32Array> {
  if (data.size === 0) return new Float32Array(0);
  built.module.eval();
  const all: GpuArray = empty(ctx, [data.size, classes], 'eval.logits');
  try {
    let at = 0;
    for (const indices of epochBatches(data.size, { batchSize, seed: 0, epoch: 0, shuffle: false })) {
      const scope = new Scope();
      noGrad(() =>
        scope.run(() => {
          const x = new Tensor(ctx, data.batch(indices, null));
          const out = built.module.forward(normalizeInput(x, stats));
          ctx.copy(out.data.buffer, all.buffer, 4 * indices.length * classes, 0, 4 * at * classes);
        }),
      );
      scope.release();
      ctx.flush();
      at += indices.length;
    }
    return await ctx.readFloat32(all.buffer, data.size * classes);
  } finally {
    free(ctx, all);
    built.module.train();
  }
}

/** Mean of per-batch mean losses weighted by batch size (the epoch's mean per example). */
function weightedMean(values: Float32Array, sizes: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < Math.min(values.length, sizes.length); i++) {
    sum += values[i] * sizes[i];
    count += sizes[i];
  }
  return count ? sum / count : NaN;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
