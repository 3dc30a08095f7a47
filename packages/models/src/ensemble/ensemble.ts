/**
 * An ensemble on the GPU: its members built and loaded, each with its own audio front end, and
 * the one place where members' outputs are combined. `duet eval`, `duet predict`, `duet export`
 * and the page all go through `Ensemble.probabilities`: the caller supplies how one member sees
 * the inputs (its own preprocessing: a dataset featurized by the member's featurizer, or one
 * clip), the ensemble runs the members one after the other and combines their softmax
 * probabilities by its rule (mean of probabilities, the rule benchmarks/audio_ensemble.ts
 * measured). Probabilities are computed in float64 on the host.
 */
import type { Module } from '@duet/autograd';
import type { GpuContext } from '@duet/gpu';
import type { BuiltModel } from '../architectures';
import { AudioFeaturizer } from '../features';
import type { AudioPreprocessing } from '../preprocessing';
import { buildModel, type ModelSpec, type Task } from '../registry';
import { checkMembers, type EnsembleRule } from './spec';

export interface EnsembleMember {
  readonly index: number;
  readonly spec: ModelSpec;
  readonly built: BuiltModel;
  /** The member's own audio front end (its preprocessing); null for an image model. */
  readonly featurizer: AudioFeaturizer | null;
}

export interface EnsembleProbabilities {
  /** Each member's probabilities, (N, C) row-major, in member order. */
  readonly members: Float64Array[];
  /** The members' probabilities combined by the rule, (N, C). */
  readonly combined: Float64Array;
}

export class Ensemble {
  private constructor(readonly rule: EnsembleRule, readonly members: readonly EnsembleMember[]) {}

  /**
   * Builds each member's network, loads its weights with `load` (which checks names and shapes
   * and says where the weights came from), puts it in eval mode and makes its front end.
   * `where(i)` names member i in errors. Frees what it built when a member fails.
   */
  static build(ctx: GpuContext, specs: readonly ModelSpec[], load: (module: Module, index: number) => void, rule: EnsembleRule, where: (index: number) => string = (i) => `member ${i}`): Ensemble {
    checkMembers(specs.map((spec, i) => ({ spec, where: where(i) })));
    const members: EnsembleMember[] = [];
    try {
      specs.forEach((spec, index) => {
        const built = buildModel(ctx, spec);
        members.push({ index, spec, built, featurizer: null });
        load(built.module, index);
        built.module.eval();
        if (spec.preprocessing.kind === 'audio') members[index] = { ...members[index], featurizer: new AudioFeaturizer(ctx, spec.preprocessing as AudioPreprocessing) };
      });
    } catch (error) {
      freeMembers(members);
      throw error;
    }
    return new Ensemble(rule, members);
  }

  get task(): Task {
    return this.members[0].spec.preprocessing.kind;
  }

  get labels(): readonly string[] {
    return this.members[0].spec.labels;
  }

  /**
   * Runs each member through `run` (member -> its logits (N, C) on the same N examples, in the
   * same order) and combines their softmax probabilities by the rule.
   */
  async probabilities(run: (member: EnsembleMember) => Promise<Float32Array>): Promise<EnsembleProbabilities> {
    const classes = this.labels.length;
    const members: Float64Array[] = [];
    for (const member of this.members) {
      const logits = await run(member);
      if (members.length && logits.length !== members[0].length) throw new Error(`ensemble: member ${member.index} gave ${logits.length / classes} rows, member 0 gave ${members[0].length / classes}`);
      members.push(softmaxRows(logits, classes));
    }
    return { members, combined: combineProbabilities(this.rule, members) };
  }

  free(): void {
    freeMembers(this.members);
  }
}

function freeMembers(members: readonly EnsembleMember[]): void {
  for (const m of members) {
    m.built.module.free();
    m.featurizer?.dispose();
  }
}

// logits: (N, C) -> (N, C) probabilities, float64, each row shifted by its max
/** softmax of each row of logits. */
export function softmaxRows(logits: ArrayLike<number>, classes: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    let top = -Infinity;
    for (let c = 0; c < classes; c++) top = Math.max(top, logits[r * classes + c]);
    let total = 0;
    for (let c = 0; c < classes; c++) total += out[r * classes + c] = Math.exp(logits[r * classes + c] - top);
    for (let c = 0; c < classes; c++) out[r * classes + c] /= total;
  }
  return out;
}

// rows: M x (N, C) -> (N, C)
/** Members' probabilities combined by `rule` ('mean-probabilities': the equal-weight mean). */
export function combineProbabilities(rule: EnsembleRule, rows: readonly Float64Array[]): Float64Array {
  if (rows.length === 0) throw new Error('combineProbabilities: no members');
  if (rule !== 'mean-probabilities') throw new Error(`combineProbabilities: unknown rule ${rule as string}`);
  const out = new Float64Array(rows[0].length);
  for (const r of rows) {
    if (r.length !== out.length) throw new Error(`combineProbabilities: members give ${r.length} and ${out.length} values`);
    for (let i = 0; i < out.length; i++) out[i] += r[i] / rows.length;
  }
  return out;
}

/** Smallest probability whose log is taken (a member certain of another class must not give -Infinity). */
const MIN_PROB = 1e-30;

// probs: (N, C) -> (N, C)
/**
 * Probabilities as logits (their logs): softmax(log p) = p, so code that takes logits (the
 * metrics' accuracy, confusion and cross-entropy) reads an ensemble's combined probabilities.
 */
export function probabilitiesAsLogits(probs: Float64Array): Float32Array {
  return Float32Array.from(probs, (p) => Math.log(Math.max(p, MIN_PROB)));
}
