/**
 * Folders holding a trained unimodal model, as `duet eval`, `duet export` and `duet ensemble`
 * read them: a run folder (`duet train audio|image`: model.json + model.safetensors) or an
 * ensemble folder (`duet ensemble`: model.json of format duet-ensemble/1 and members/N/ each a
 * run folder's two files). Only files are read here; building on the GPU is the callers'
 * (through @duet/models' Ensemble for an ensemble).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '@duet/autograd';
import { loadWeights } from '@duet/autograd/node';
import type { GpuContext } from '@duet/gpu';
import { checkEnsembleMembers, Ensemble, ENSEMBLE_FORMAT, memberPath, modelFileFormat, parseEnsembleSpec, parseSpec, type EnsembleSpec, type ModelSpec } from '@duet/models';
import { CliError } from './errors';

/** One model's files. */
export interface RunFiles {
  readonly dir: string;
  readonly spec: ModelSpec;
  /** Its model.safetensors. */
  readonly weights: string;
}

export type ModelDir =
  | { readonly kind: 'model'; readonly run: RunFiles }
  | { readonly kind: 'ensemble'; readonly dir: string; readonly spec: EnsembleSpec; readonly members: readonly RunFiles[] };

/** model.json's text, or a CliError naming the folder when it is not a model folder. */
function modelJson(dir: string, flag: string, ensembles = true): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${flag} ${dir}: not a folder (give a \`duet train\` run's --out folder${ensembles ? ' or a \`duet ensemble\` folder' : ''})`);
  const file = join(dir, 'model.json');
  if (!existsSync(file)) throw new CliError(`${flag} ${dir}: not a model folder: model.json and model.safetensors are needed there (a \`duet train audio|image\` run)`);
  return readFileSync(file, 'utf8');
}

/** A single-model run folder (model.json + model.safetensors); an ensemble folder is refused. */
export function readRunFiles(dir: string, flag: string): RunFiles {
  const text = modelJson(dir, flag, false);
  if (modelFileFormat(text) === ENSEMBLE_FORMAT) throw new CliError(`${flag} ${dir}: an ensemble folder, not a run folder (give the runs it was made of)`);
  return runFiles(dir, text, flag);
}

function runFiles(dir: string, text: string, flag: string): RunFiles {
  const weights = join(dir, 'model.safetensors');
  if (!existsSync(weights)) throw new CliError(`${flag} ${dir}: model.json and model.safetensors are needed there (model.safetensors is missing)`);
  return { dir, spec: parseSpec(text, join(dir, 'model.json')), weights };
}

/** A run folder or an ensemble folder with its members' files, checked against each other. */
export function readModelDir(dir: string, flag = '--model'): ModelDir {
  const text = modelJson(dir, flag);
  if (modelFileFormat(text) !== ENSEMBLE_FORMAT) return { kind: 'model', run: runFiles(dir, text, flag) };
  const file = join(dir, 'model.json');
  const spec = parseEnsembleSpec(text, file);
  const members = spec.members.map((_, i) => {
    const at = join(dir, memberPath(i));
    if (!existsSync(join(at, 'model.json'))) throw new CliError(`${flag} ${dir}: member ${i}'s ${memberPath(i)}/model.json is missing (the ensemble folder is incomplete)`);
    return runFiles(at, readFileSync(join(at, 'model.json'), 'utf8'), `${flag} ${dir}: member ${i}:`);
  });
  checkEnsembleMembers(spec, members.map((m) => m.spec), file);
  return { kind: 'ensemble', dir, spec, members };
}

/** The label list and task of a model folder. */
export function describeModelDir(m: ModelDir): { labels: readonly string[]; task: 'audio' | 'image'; name: string } {
  if (m.kind === 'model') return { labels: m.run.spec.labels, task: m.run.spec.preprocessing.kind, name: m.run.spec.model };
  return { labels: m.spec.labels, task: m.spec.task, name: `ensemble of ${m.members.length} (${m.members.map((r) => r.spec.model).join(', ')})` };
}

/** An ensemble folder's members on the GPU, each with its weights and front end. */
export function buildEnsemble(ctx: GpuContext, m: Extract<ModelDir, { kind: 'ensemble' }>): Ensemble {
  const load = (module: Module, i: number) => {
    try {
      loadWeights(m.members[i].weights, module);
    } catch (error) {
      throw new CliError(`${m.members[i].weights}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  return Ensemble.build(ctx, m.members.map((r) => r.spec), load, m.spec.rule, (i) => m.members[i].dir);
}
