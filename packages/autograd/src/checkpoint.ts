/**
 * Checkpoints (Node only): model state, optimizer state, epoch, RNG state and the run's config
 * in ONE safetensors file (tensors `model.<name>` and `optimizer.<i>.<state>`; the rest as
 * JSON strings in __metadata__), written atomically: a temp file in the same directory,
 * fsync, rename over the target, fsync of the directory. A crash or a failed write at any
 * point leaves the previous checkpoint whole.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HostTensor, Module } from './nn/module';
import type { Optimizer, OptimizerState } from './optim/optimizer';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from './safetensors';

const FORMAT = 'duet-checkpoint/1';

export interface CheckpointContents {
  readonly model: Map<string, HostTensor>;
  readonly optimizer: OptimizerState | null;
  readonly epoch: number;
  /** Any JSON value: the state of every generator the run uses (Rng.getState(), Dropout calls, …). */
  readonly rng: unknown;
  /** The run's configuration (any JSON value), to resume or reproduce it. */
  readonly config: unknown;
}

/** The file operations the atomic write uses (node:fs by default; tests inject failures). */
export type AtomicFs = Pick<typeof nodeFs, 'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'unlinkSync'>;

/** Writes data to path so that readers see either the old file or the whole new one. */
export function writeFileAtomic(path: string, data: Uint8Array, fs: AtomicFs = nodeFs): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    try {
      for (let written = 0; written < data.length; ) written += fs.writeSync(fd, data, written, data.length - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, path);
  } catch (error) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // The temp file may be gone already (a failed rename can still have moved it).
    }
    throw error;
  }
  syncDirectory(dirname(path), fs);
}

/** Encodes a checkpoint as safetensors bytes. */
export function encodeCheckpoint(contents: CheckpointContents): Uint8Array {
  const tensors: [string, HostTensor][] = [...contents.model].map(([k, v]) => [`model.${k}`, v]);
  if (contents.optimizer) for (const [k, v] of contents.optimizer.arrays) tensors.push([`optimizer.${k}`, v]);
  const opt = contents.optimizer ? { kind: contents.optimizer.kind, lr: contents.optimizer.lr, steps: contents.optimizer.steps } : null;
  return serializeSafetensors(tensors, {
    format: FORMAT,
    epoch: JSON.stringify(contents.epoch),
    rng: JSON.stringify(contents.rng ?? null),
    config: JSON.stringify(contents.config ?? null),
    optimizer: JSON.stringify(opt),
  });
}

/** Decodes checkpoint bytes; `file` names the source in errors. */
export function decodeCheckpoint(bytes: Uint8Array, file = '<bytes>'): CheckpointContents {
  const { tensors, metadata } = parseSafetensors(bytes, file);
  if (metadata.format !== FORMAT) throw new SafetensorsError(file, `metadata format is ${JSON.stringify(metadata.format)}, not ${FORMAT}`);
  const json = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? 'null');
    } catch {
      throw new SafetensorsError(file, `metadata '${key}' is not JSON`);
    }
  };
  const model = new Map<string, HostTensor>();
  const arrays = new Map<string, HostTensor>();
  for (const [name, t] of tensors) {
    if (name.startsWith('model.')) model.set(name.slice(6), t);
    else if (name.startsWith('optimizer.')) arrays.set(name.slice(10), t);
    else throw new SafetensorsError(file, `tensor '${name}' is neither model. nor optimizer. state`);
  }
  const opt = json('optimizer') as { kind: string; lr: number; steps: number[] } | null;
  const epoch = json('epoch');
  if (typeof epoch !== 'number') throw new SafetensorsError(file, 'metadata epoch is not a number');
  return { model, optimizer: opt ? { ...opt, arrays } : null, epoch, rng: json('rng'), config: json('config') };
}

export interface SaveCheckpointArgs {
  readonly module: Module;
  readonly optimizer?: Optimizer;
  readonly epoch: number;
  readonly rng?: unknown;
  readonly config?: unknown;
}

/** Reads the state back from the GPU (submits) and writes the checkpoint atomically. */
export async function saveCheckpoint(path: string, args: SaveCheckpointArgs, fs: AtomicFs = nodeFs): Promise<void> {
  const contents: CheckpointContents = {
    model: await args.module.stateDict(),
    optimizer: args.optimizer ? await args.optimizer.stateDict() : null,
    epoch: args.epoch,
    rng: args.rng ?? null,
    config: args.config ?? null,
  };
  writeFileAtomic(path, encodeCheckpoint(contents), fs);
}

/** Loads a checkpoint into a module (and optimizer); returns epoch, rng and config. */
export function loadCheckpoint(path: string, target: { module: Module; optimizer?: Optimizer }): CheckpointContents {
  const contents = decodeCheckpoint(new Uint8Array(nodeFs.readFileSync(path)), path);
  target.module.loadStateDict(contents.model);
  if (target.optimizer) {
    if (!contents.optimizer) throw new SafetensorsError(path, 'holds no optimizer state');
    target.optimizer.loadStateDict(contents.optimizer);
  }
  return contents;
}

/** Module weights alone as a .safetensors file PyTorch reads (safetensors.torch.load_file). */
export async function saveWeights(path: string, module: Module): Promise<void> {
  writeFileAtomic(path, serializeSafetensors(await module.stateDict()));
}

/** Loads weights saved by saveWeights or by PyTorch (F32 tensors, PyTorch names). */
export function loadWeights(path: string, module: Module, strict = true): void {
  module.loadStateDict(parseSafetensors(new Uint8Array(nodeFs.readFileSync(path)), path).tensors, strict);
}

function syncDirectory(dir: string, fs: AtomicFs): void {
  // Makes the rename itself durable. Best effort: some platforms cannot open a directory.
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    return;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
