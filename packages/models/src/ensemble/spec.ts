/**
 * An ensemble folder's model.json (`duet ensemble RUN… --out DIR`): the format string, the task,
 * the rule that combines the members and the member list. Member N's own model.json and
 * model.safetensors lie in DIR/members/N/ (the path follows from the index, so a model.json
 * cannot point a loader outside its folder). Members share the task and the label list; they
 * may differ in architecture and preprocessing, because each one featurizes with its own.
 */
import { formatProblem, parseJson, SchemaError, type ObjectSchema } from '@duet/data';
import { ConfigError, type ModelSpec, type Task } from '../registry';

export const ENSEMBLE_FORMAT = 'duet-ensemble/1';

/** How members' outputs are combined: 'mean-probabilities' averages their softmax probabilities with equal weights. */
export type EnsembleRule = 'mean-probabilities';
export const ENSEMBLE_RULES: readonly EnsembleRule[] = ['mean-probabilities'];

/** Bounds on the member list: two make an ensemble; 64 is far past any useful one and keeps a hostile file small. */
export const MIN_MEMBERS = 2;
export const MAX_MEMBERS = 64;

export interface EnsembleMemberRecord {
  /** The member's architecture (its model.json's `model`), checked against members/N/model.json. */
  readonly model: string;
  /** The run folder the member was copied from (for the record; never read). */
  readonly source: string;
}

export interface EnsembleSpec {
  readonly format: typeof ENSEMBLE_FORMAT;
  readonly task: Task;
  readonly rule: EnsembleRule;
  /** Class names, index = output unit; every member's labels. */
  readonly labels: readonly string[];
  /** Member N lives in members/N/ (memberPath). */
  readonly members: readonly EnsembleMemberRecord[];
}

const SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    format: { type: 'string', enum: [ENSEMBLE_FORMAT] },
    task: { type: 'string', enum: ['audio', 'image'] },
    rule: { type: 'string', enum: ENSEMBLE_RULES },
    labels: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, minItems: 2, maxItems: 1000 },
    members: {
      type: 'array',
      minItems: MIN_MEMBERS,
      maxItems: MAX_MEMBERS,
      items: { type: 'object', properties: { model: { type: 'string', minLength: 1, maxLength: 100 }, source: { type: 'string', maxLength: 4096 } } },
    },
  },
};

/** Member `index`'s folder, relative to the ensemble folder. */
export function memberPath(index: number): string {
  return `members/${index}`;
}

/** The `format` field of a model.json text, or undefined when it has none (or is not JSON): tells an ensemble from a single model. */
export function modelFileFormat(text: string): string | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    const format = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as { format?: unknown }).format : undefined;
    return typeof format === 'string' ? format : undefined;
  } catch {
    return undefined;
  }
}

/** Parses and checks an ensemble's model.json text; `file` names it in errors (one line each). */
export function parseEnsembleSpec(text: string, file: string): EnsembleSpec {
  try {
    return parseJson<EnsembleSpec>(text, file, SCHEMA);
  } catch (error) {
    if (error instanceof SchemaError) throw new ConfigError(error.message);
    throw error;
  }
}

/** A member model as the checks see it: its spec and where it came from (named in errors). */
export interface MemberCandidate {
  readonly spec: ModelSpec;
  readonly where: string;
}

/**
 * Checks that models can be one ensemble: at least two, one task, one label list.
 * Throws a ConfigError naming the folder at fault and the problem.
 */
export function checkMembers(members: readonly MemberCandidate[]): { task: Task; labels: readonly string[] } {
  if (members.length < MIN_MEMBERS) throw new ConfigError(`an ensemble needs at least ${MIN_MEMBERS} models, got ${members.length}${members.length ? ` (${members[0].where})` : ''}`);
  if (members.length > MAX_MEMBERS) throw new ConfigError(`an ensemble holds at most ${MAX_MEMBERS} models, got ${members.length}`);
  const [first] = members;
  const task = first.spec.preprocessing.kind;
  for (const m of members.slice(1)) {
    const kind = m.spec.preprocessing.kind;
    if (kind !== task) throw new ConfigError(`${m.where}: ${m.spec.model} is an ${kind} model but ${first.where} is an ${task} model; an ensemble's members share the task`);
    if (m.spec.labels.join('\u0000') !== first.spec.labels.join('\u0000')) {
      throw new ConfigError(`${m.where}: its labels [${m.spec.labels.join(', ')}] differ from ${first.where}'s [${first.spec.labels.join(', ')}]`);
    }
  }
  return { task, labels: first.spec.labels };
}

/** The model.json of an ensemble of these members (checked), in this order. */
export function makeEnsembleSpec(members: readonly (MemberCandidate & { source: string })[], rule: EnsembleRule = 'mean-probabilities'): EnsembleSpec {
  const { task, labels } = checkMembers(members);
  return { format: ENSEMBLE_FORMAT, task, rule, labels, members: members.map((m) => ({ model: m.spec.model, source: m.source })) };
}

/**
 * Checks the members' own model.json specs against the ensemble's record of them (count,
 * architectures, task, labels); `file` names the ensemble's model.json in errors.
 */
export function checkEnsembleMembers(spec: EnsembleSpec, members: readonly ModelSpec[], file: string): void {
  if (members.length !== spec.members.length) throw new ConfigError(formatProblem(file, 'members', `lists ${spec.members.length} members, ${members.length} were found`));
  checkMembers(members.map((m, i) => ({ spec: m, where: `${file} member ${i}` })));
  members.forEach((m, i) => {
    if (m.model !== spec.members[i].model) throw new ConfigError(formatProblem(file, `members[${i}].model`, `is ${spec.members[i].model} but ${memberPath(i)}/model.json holds ${m.model}`));
    if (m.preprocessing.kind !== spec.task) throw new ConfigError(formatProblem(file, 'task', `is ${spec.task} but member ${i} is an ${m.preprocessing.kind} model`));
    if (m.labels.join('\u0000') !== spec.labels.join('\u0000')) throw new ConfigError(formatProblem(file, 'labels', `differ from member ${i}'s`));
  });
}
