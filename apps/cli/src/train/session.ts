/**
 * One training run from start or from its checkpoint: builds the datasets, the model and the
 * optimizer (restoring their state when resuming), runs the loop, and after every epoch
 * writes the checkpoint, metrics.jsonl, the model files and the figures. Ctrl-C stops after
 * the current step; the model files then hold the weights of that moment and the checkpoint
 * the last finished epoch (`--resume` restarts the interrupted epoch from its start).
 */
import type { GpuContext } from '@duet/gpu';
import type { Optimizer } from '@duet/autograd';
import { buildModel, type BuiltModel, type ModelSpec, type Recipe } from '@duet/models';
import type { Dataset } from './datasets';
import { makeOptimizer, trainLoop } from './engine';
import type { EpochLine } from './metrics';
import { Progress } from './progress';
import type { RunConfig, RunDir } from './run_dir';

export interface SessionArgs {
  readonly ctx: GpuContext;
  readonly dir: RunDir;
  readonly run: RunConfig;
  readonly spec: ModelSpec;
  readonly train: Dataset;
  readonly test: Dataset;
  /** Resume from dir's checkpoint (its state replaces the fresh initialisation). */
  readonly resume: boolean;
  readonly log: (line: string) => void;
}

/** Exit status of a run: 0 done, 130 stopped by Ctrl-C (as shells report SIGINT). */
export async function runSession(args: SessionArgs): Promise<number> {
  const { ctx, dir, run, spec, log } = args;
  const recipe: Recipe = spec.recipe;
  const built: BuiltModel = buildModel(ctx, spec, run.seed);
  const optimizer: Optimizer = makeOptimizer(built, recipe);
  let history: EpochLine[] = [];
  let startEpoch = 0;
  if (args.resume) {
    const saved = dir.readCheckpoint();
    built.module.loadStateDict(saved.model);
    if (saved.optimizer) optimizer.loadStateDict(saved.optimizer);
    history = [...saved.config.history];
    startEpoch = saved.epoch;
    // A kill between the checkpoint and the metrics line must not lose or repeat a line.
    dir.writeMetrics(history);
    log(`resuming ${dir.dir} after epoch ${startEpoch} of ${recipe.epochs}`);
  } else {
    dir.writeMetrics([]);
  }
  if (startEpoch >= recipe.epochs) {
    log(`nothing to do: the run already finished its ${recipe.epochs} epochs`);
    return 0;
  }
  const title = `${spec.model} (${run.task === 'audio' ? 'spoken digits' : 'MNIST'})`;
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    log('\nstopping after this step (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    const progress = new Progress(process.stderr);
    const outcome = await trainLoop({
      ctx, built, optimizer, spec, recipe, seed: run.seed, train: args.train, test: args.test, startEpoch, progress,
      hooks: {
        shouldStop: () => stop,
        onEpoch: async (epoch, line, test) => {
          history.push(line);
          await dir.saveCheckpoint(built.module, optimizer, epoch + 1, { run, spec, history });
          dir.appendMetrics(line);
          await dir.saveModel(built.module, spec);
          await dir.saveFigures(history, test, spec, title);
          progress.line(
            `epoch ${line.epoch}/${recipe.epochs}  train loss ${line.train_loss.toFixed(4)} acc ${pct(line.train_acc)}  ` +
              `test loss ${line.test_loss.toFixed(4)} acc ${pct(line.test_acc)}  ${line.seconds.toFixed(1)} s  ${line.samples_per_s} samples/s`,
          );
        },
      },
    });
    if (outcome === 'interrupted') {
      await dir.saveModel(built.module, spec);
      log(`interrupted: model files hold the current weights; ${dir.checkpoint} holds epoch ${history.length}. Continue with --resume --out ${dir.dir}`);
      return 130;
    }
    log(`done: ${dir.dir} (model.json, model.safetensors, metrics.jsonl, curves.png, confusion.png, checkpoint.safetensors)`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    optimizer.free();
    built.module.free();
  }
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
