/**
 * The sweep's grid file: `{ "base": {field: value}, "grid": {field: [values]}, "evalSeed": n }`.
 * Fields are `duet train fusion` options in camelCase; every run takes base, then one value of
 * each grid field (the cartesian product, in the file's key order). Checked strictly: unknown
 * fields are refused, values typed and bounded, at most 16 values per field and 64 runs.
 * Errors are one line naming the file and the field; values and field names from the file are
 * printed short and escaped (a hostile grid must not write pages or terminal escapes).
 */
import { dirname, resolve } from 'node:path';
import { formatProblem, jsonDepth, showValue } from '@duet/data';
import { LATE_METHODS } from '@duet/models';
import { CliError } from '../errors';

export const MAX_VALUES = 16;
export const MAX_RUNS = 64;
/** Deepest nesting a grid needs is 4 (`{"grid": {"testSpeakers": [["a"]]}}`); 1 MiB is far more text than 64 runs need. */
const MAX_DEPTH = 8;
const MAX_CHARS = 2 ** 20;

type Check = (v: unknown) => string | null;

const int = (min: number, max: number): Check => (v) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `an integer from ${min} to ${max}`);
const num = (min: number, max: number, open = false): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && !(open && v === min) ? null : `a number in ${open ? '(' : '['}${min}, ${max}]`;
const oneOf = (names: readonly string[]): Check => (v) => (typeof v === 'string' && names.includes(v) ? null : `one of ${names.join(', ')}`);
const text: Check = (v) => (typeof v === 'string' && v.length > 0 && v.length <= 4096 ? null : 'a non-empty string');
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const names: Check = (v) => (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && /^[A-Za-z0-9_-]+$/.test(s)) ? null : 'a list of speaker names');

/** Every field a run may set, with its check and its command-line option. */
export const FIELDS: Readonly<Record<string, { check: Check; flag: string; path?: boolean }>> = {
  fusion: { check: oneOf(['early', 'intermediate', 'attention', 'late']), flag: '--fusion' },
  imageModel: { check: text, flag: '--image-model', path: true },
  audioModel: { check: text, flag: '--audio-model', path: true },
  pairsPerClip: { check: int(1, 64), flag: '--pairs-per-clip' },
  modalityDropout: { check: num(0, 1), flag: '--modality-dropout' },
  lateRule: { check: oneOf(LATE_METHODS), flag: '--late-rule' },
  augment: { check: bool, flag: '--no-augment' },
  epochs: { check: int(1, 1000), flag: '--epochs' },
  batchSize: { check: int(1, 4096), flag: '--batch-size' },
  lr: { check: num(0, 10, true), flag: '--lr' },
  optimizer: { check: oneOf(['sgd', 'adam', 'adamw']), flag: '--optimizer' },
  seed: { check: int(0, 0xffffffff), flag: '--seed' },
  limit: { check: int(1, 1e9), flag: '--limit' },
  testLimit: { check: int(1, 1e9), flag: '--test-limit' },
  audioDir: { check: text, flag: '--audio-dir', path: true },
  mnistDir: { check: text, flag: '--mnist-dir', path: true },
  split: { check: text, flag: '--split', path: true },
  strategy: { check: oneOf(['random', 'official', 'speaker']), flag: '--strategy' },
  testSpeakers: { check: names, flag: '--test-speakers' },
};

export type RunSettings = Readonly<Record<string, unknown>>;

export interface Grid {
  readonly file: string;
  /** Seed of `duet eval fusion`'s corruptions. */
  readonly evalSeed: number;
  /** The varied fields, in the file's order. */
  readonly varied: readonly string[];
  readonly runs: readonly { readonly name: string; readonly settings: RunSettings }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A grid file that cannot be used: one line, `<file>: <problem>`. */
const refuse = (file: string, problem: string): CliError => new CliError(formatProblem(file, '', problem));

function checkField(file: string, where: string, key: string, value: unknown): void {
  if (!Object.hasOwn(FIELDS, key)) throw refuse(file, `unknown field ${showValue(key)} in ${where} (known: ${Object.keys(FIELDS).join(', ')})`);
  const problem = FIELDS[key].check(value);
  if (problem) throw refuse(file, `${where}.${key} is ${showValue(value)}; expected ${problem}`);
}

/** Parses and checks a grid file's text; relative paths are taken from the file's folder. */
export function parseGrid(textValue: string, file: string): Grid {
  if (textValue.length > MAX_CHARS) throw refuse(file, `${textValue.length} characters, more than the ${MAX_CHARS} a grid file may have`);
  const depth = jsonDepth(textValue);
  if (depth > MAX_DEPTH) throw refuse(file, `nested ${depth} deep, more than the ${MAX_DEPTH} a grid needs`);
  let doc: unknown;
  try {
    doc = JSON.parse(textValue);
  } catch (error) {
    throw refuse(file, `not JSON (${(error as Error).message})`);
  }
  if (!isObject(doc)) throw refuse(file, 'expected an object with "grid" (and optionally "base", "evalSeed")');
  for (const key of Object.keys(doc)) if (!['base', 'grid', 'evalSeed'].includes(key)) throw refuse(file, `unknown top-level field ${showValue(key)} (known: base, grid, evalSeed)`);
  const base = doc.base ?? {};
  if (!isObject(base)) throw refuse(file, '"base" must be an object of field: value');
  if (!isObject(doc.grid) || Object.keys(doc.grid).length === 0) throw refuse(file, '"grid" must be a non-empty object of field: [values]');
  const evalSeed = doc.evalSeed ?? 0;
  if (!Number.isInteger(evalSeed) || (evalSeed as number) < 0 || (evalSeed as number) > 0xffffffff) throw refuse(file, `evalSeed must be a non-negative integer (at most ${0xffffffff}), not ${showValue(evalSeed)}`);
  for (const [k, v] of Object.entries(base)) checkField(file, 'base', k, v);
  const grid = doc.grid;
  let total = 1;
  for (const [k, values] of Object.entries(grid)) {
    if (!Object.hasOwn(FIELDS, k)) checkField(file, 'grid', k, undefined);
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_VALUES) throw refuse(file, `grid.${k} must be a list of 1 to ${MAX_VALUES} values`);
    if (Object.hasOwn(base, k)) throw refuse(file, `"${k}" is in both base and grid`);
    values.forEach((v) => checkField(file, 'grid', k, v));
    total *= values.length;
  }
  if (total > MAX_RUNS) throw refuse(file, `the grid makes ${total} runs; at most ${MAX_RUNS}`);
  if (!Object.hasOwn(base, 'fusion') && !Object.hasOwn(grid, 'fusion')) throw refuse(file, 'set "fusion" in base or grid');
  const folder = dirname(resolve(file));
  const withPaths = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, FIELDS[k].path ? resolve(folder, v as string) : v]));
  const varied = Object.keys(grid);
  let combos: Record<string, unknown>[] = [{}];
  for (const k of varied) combos = combos.flatMap((c) => (grid[k] as unknown[]).map((v) => ({ ...c, [k]: v })));
  const runs = combos.map((combo, i) => ({
    name: `${String(i + 1).padStart(3, '0')}-${varied.map((k) => `${k}=${Array.isArray(combo[k]) ? (combo[k] as string[]).join('+') : String(combo[k])}`).join('_')}`.replace(/[^A-Za-z0-9.=+_-]/g, '-'),
    settings: withPaths({ ...base, ...combo }),
  }));
  return { file, evalSeed: evalSeed as number, varied, runs };
}

/** A run's `duet train fusion` arguments (without --out). */
export function trainArgs(settings: RunSettings): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(settings)) {
    const { flag } = FIELDS[k];
    if (k === 'augment') {
      if (v === false) args.push(flag);
    } else {
      args.push(flag, Array.isArray(v) ? v.join(',') : String(v));
    }
  }
  return args;
}
