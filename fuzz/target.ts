/**
 * What a fuzz target is, how one case is generated from (seed, index), and how its outcome is
 * classified: an OK result, an expected Duet error (one line, naming the file), or a finding.
 */
import { Rng, caseSeed, mutateBytes, mutateField, type Field } from './engine';

/** A valid input to mutate, with the numeric header fields a field mutation may overwrite. */
export interface Seed {
  name: string;
  bytes: Uint8Array;
  fields: Field[];
}

export interface Target {
  name: string;
  /** Error classes (by `name`) that mean "Duet refused this input as it should". */
  errors: readonly string[];
  /** File name suffix of a case (`.wav`, `.idx.gz`): some loaders decide by it. */
  extension: string;
  /** Valid inputs; built in memory, or read from disk at run time (never committed). */
  seeds(): Seed[];
  /** A format-aware mutation (0 Hz, 10,000 channels, deeply nested JSON...), from scratch or from a seed. */
  special?(seed: Seed, rng: Rng): Uint8Array;
  /** Repairs checksums/lengths after a mutation, so mutations reach past integrity checks. */
  fixup?(bytes: Uint8Array, rng: Rng): Uint8Array;
  /**
   * Runs the parser as Duet's loader does. `file` is the path of the case (targets whose loader
   * reads from disk write the bytes there first); errors must name it. Returns the result.
   */
  parse(bytes: Uint8Array, file: string): unknown;
  /** Why the CI slice leaves this target out (its parser has open findings owned elsewhere). */
  notInSlice?: string;
  /** Invariants of an accepted input (a split row escaping its folder); returns the violation. */
  check?(result: unknown, file: string): string | undefined;
}

export interface Case {
  index: number;
  bytes: Uint8Array;
  /** How it was made: `seed <name> + field, bytes x2, fixup`. */
  recipe: string;
}

/** Case `index` of `target`: the seeds unchanged first, then 1-3 stacked mutations of a seed. */
export function generateCase(target: Target, seeds: readonly Seed[], seed: number, index: number): Case {
  if (index < seeds.length) return { index, bytes: seeds[index].bytes, recipe: `seed ${seeds[index].name} unchanged` };
  const rng = new Rng(caseSeed(seed, target.name, index));
  const base = rng.pick(seeds);
  let bytes = base.bytes;
  const steps: string[] = [];
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const roll = rng.float();
    if (roll < 0.25 && target.special) {
      try {
        bytes = target.special({ ...base, bytes }, rng);
        steps.push('special');
      } catch {
        steps.push('special (failed on the previous mutation: skipped)'); // e.g. re-serialising 200,000-deep JSON
      }
    } else if (roll < 0.5 && base.fields.length > 0) {
      bytes = mutateField(bytes, base.fields, rng);
      steps.push('field');
    } else {
      bytes = mutateBytes(bytes, rng.pick(seeds).bytes, rng);
      steps.push('bytes');
    }
  }
  if (target.fixup && rng.chance(0.5)) {
    bytes = target.fixup(bytes, rng);
    steps.push('fixup');
  }
  return { index, bytes, recipe: `seed ${base.name} + ${steps.join(', ')}` };
}

export type Outcome = { kind: 'ok' } | { kind: 'error'; message: string } | { kind: 'finding'; problem: string };

/** Limits past which a case is a finding. */
export const LIMITS = {
  /** Per-case wall time. */
  seconds: 1,
  /** Memory held or allocated by one case (heap + array buffers), bytes. */
  bytes: 256 * 2 ** 20,
  /** A message longer than this is not a message a person reads. */
  messageChars: 1000,
};

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Why an expected-looking error still is a finding, or undefined when it is fine. */
function judgeMessage(message: string, file: string): string | undefined {
  if (/[\r\n]/.test(message)) return `multi-line message: ${JSON.stringify(message.slice(0, 300))}`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(message)) return `control character in message: ${JSON.stringify(message.slice(0, 300))}`;
  if (!message.includes(file)) return `message does not name the file: ${JSON.stringify(message.slice(0, 300))}`;
  if (message.length > LIMITS.messageChars + file.length) return `message of ${message.length} characters: ${JSON.stringify(message.slice(0, 200))}...`;
  return undefined;
}

/** Runs one case and classifies it. */
export function runCase(target: Target, bytes: Uint8Array, file: string): Outcome {
  const before = memory();
  const start = performance.now();
  let outcome: Outcome;
  let result: unknown;
  try {
    result = target.parse(bytes, file);
    const violation = target.check?.(result, file);
    outcome = violation ? { kind: 'finding', problem: `invariant: ${violation}` } : { kind: 'ok' };
  } catch (error) {
    if (error instanceof Error && target.errors.includes(error.name)) {
      const bad = judgeMessage(error.message, file);
      outcome = bad ? { kind: 'finding', problem: `${error.name}: ${bad}` } : { kind: 'error', message: error.message };
    } else {
      const name = error instanceof Error ? error.name : typeof error;
      const message = error instanceof Error ? error.message : String(error);
      outcome = { kind: 'finding', problem: `uncaught ${name}: ${message.split('\n')[0].slice(0, 300)}` };
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const grown = memory() - before; // measured while `result` is still held
  result = undefined;
  if (outcome.kind !== 'finding' && seconds > LIMITS.seconds) outcome = { kind: 'finding', problem: `slow: ${seconds.toFixed(2)} s (limit ${LIMITS.seconds} s)` };
  if (outcome.kind !== 'finding' && grown > LIMITS.bytes) outcome = { kind: 'finding', problem: `memory: ${(grown / 2 ** 20).toFixed(0)} MiB for a ${bytes.length}-byte input` };
  return outcome;
}

/**
 * The kind of a finding, for grouping and minimising: `uncaught RangeError`, `slow`, `memory`,
 * `hang`, `invariant`, or an expected error class with what is wrong with its message
 * (`WavError: multi-line message`).
 */
export function findingKind(problem: string): string {
  const [first, second] = problem.split(':');
  return /Error$/.test(first) && !first.startsWith('uncaught') && second ? `${first}:${second.replace(/\d+/g, 'N')}` : first;
}
