/**
 * A small strict JSON schema checker for the config files users hand Duet (model.json, bundle
 * specs, sweep grids). Strict by default: every field is required unless marked optional,
 * unknown fields are refused, numbers are finite and bounded, strings and arrays have length
 * bounds, nesting is bounded before JSON.parse builds anything. Errors are one line:
 * `<file>: <json.path>: <problem>`, control characters escaped, at most ~300 characters after
 * the file name, because a hostile file must not be able to write terminal escapes or pages of
 * text through our messages.
 */

/** A number; finite always. `above` is an exclusive lower bound (a std, a learning rate). */
export interface NumberSchema {
  readonly type: 'number';
  readonly integer?: boolean;
  readonly min?: number;
  readonly above?: number;
  readonly max?: number;
  readonly nullable?: boolean;
  readonly optional?: boolean;
}

/** A string; control characters (C0, DEL, C1) are refused: no config value needs them. */
export interface StringSchema {
  readonly type: 'string';
  readonly minLength?: number;
  /** Default 1,000. */
  readonly maxLength?: number;
  readonly enum?: readonly string[];
  readonly nullable?: boolean;
  readonly optional?: boolean;
}

export interface BooleanSchema {
  readonly type: 'boolean';
  readonly nullable?: boolean;
  readonly optional?: boolean;
}

export interface ArraySchema {
  readonly type: 'array';
  readonly items: Schema;
  readonly minItems?: number;
  /** Default 10,000. */
  readonly maxItems?: number;
  readonly nullable?: boolean;
  readonly optional?: boolean;
}

/** An object with exactly these fields (those marked optional may be absent); any other is refused. */
export interface ObjectSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, Schema>>;
  readonly nullable?: boolean;
  readonly optional?: boolean;
}

/** One of several object schemas, chosen by the string field `key` (`{kind: 'audio', ...}`). */
export interface TaggedSchema {
  readonly type: 'tagged';
  readonly key: string;
  readonly variants: Readonly<Record<string, ObjectSchema>>;
  readonly nullable?: boolean;
  readonly optional?: boolean;
}

export type Schema = NumberSchema | StringSchema | BooleanSchema | ArraySchema | ObjectSchema | TaggedSchema;

/** A config file that does not match its schema (or is not JSON): `<file>: <path>: <problem>`. */
export class SchemaError extends Error {
  override name = 'SchemaError';
  constructor(readonly fileName: string, readonly path: string, problem: string) {
    super(formatProblem(fileName, path, problem));
  }
}

/** Characters of a message after the file name. */
const MESSAGE_CHARS = 300;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text from a file made safe to print on one line: control characters as \uXXXX. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `<file>: <path>: <problem>` on one line, escaped, the part after the file capped. */
export function formatProblem(file: string, path: string, problem: string): string {
  let rest = escapeControl(path ? `${path}: ${problem}` : problem);
  if (rest.length > MESSAGE_CHARS) rest = `${rest.slice(0, MESSAGE_CHARS - 3)}...`;
  return `${escapeControl(file)}: ${rest}`;
}

/** A value from a file, short: strings quoted and cut, containers by size. */
export function showValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return json.length > 42 ? `${json.slice(0, 40)}..."` : json;
  }
  return String(value);
}

/** `path.name`, or `path["odd name"]` for a name from the file that is not an identifier. */
function key(path: string, name: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(name)) return path ? `${path}.${name}` : name;
  return `${path}[${showValue(name)}]`;
}

/**
 * The deepest nesting of arrays and objects in JSON `text`, counted without parsing (so a
 * 100,000-deep document costs one pass, never a deep structure or a deep recursion).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export interface ParseOptions {
  /** Deepest nesting of arrays/objects accepted (default 16). */
  readonly maxDepth?: number;
  /** Longest text accepted, characters (default 4 MiB). */
  readonly maxChars?: number;
}

/** Parses JSON `text` from `file` and checks it against `schema`; throws SchemaError. */
export function parseJson<T>(text: string, file: string, schema: Schema, options: ParseOptions = {}): T {
  const { maxDepth = 16, maxChars = 4 * 2 ** 20 } = options;
  if (text.length > maxChars) throw new SchemaError(file, '', `${text.length} characters, more than the ${maxChars} a config file may have`);
  const depth = jsonDepth(text);
  if (depth > maxDepth) throw new SchemaError(file, '', `nested ${depth} deep, more than the ${maxDepth} allowed`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SchemaError(file, '', `not JSON (${(error as Error).message})`);
  }
  checkValue(value, schema, file);
  return value as T;
}

/** Checks an already parsed value against `schema`; throws SchemaError naming `file` and the path. */
export function checkValue(value: unknown, schema: Schema, file: string, path = ''): void {
  const fail = (problem: string): never => {
    throw new SchemaError(file, path || '(top level)', problem);
  };
  if (value === null) {
    if (schema.nullable) return;
    fail(`must be ${expected(schema)}, not null`);
  }
  switch (schema.type) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`must be ${expected(schema)}, not ${showValue(value)}`);
      if (schema.integer && !Number.isInteger(value)) fail(`must be an integer, not ${value}`);
      if (schema.min !== undefined && value < schema.min) fail(`must be at least ${schema.min}, not ${value}`);
      if (schema.above !== undefined && !(value > schema.above)) fail(`must be above ${schema.above}, not ${value}`);
      if (schema.max !== undefined && value > schema.max) fail(`must be at most ${schema.max}, not ${value}`);
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return fail(`must be ${expected(schema)}, not ${showValue(value)}`);
      if (schema.enum && !schema.enum.includes(value)) fail(`must be ${expected(schema)}, not ${showValue(value)}`);
      const maxLength = schema.maxLength ?? 1000;
      if (value.length < (schema.minLength ?? 0)) fail(`must have at least ${schema.minLength} characters, not ${value.length}`);
      if (value.length > maxLength) fail(`must have at most ${maxLength} characters, not ${value.length}`);
      if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) fail(`holds a control character: ${showValue(value)}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail(`must be true or false, not ${showValue(value)}`);
      return;
    case 'array': {
      if (!Array.isArray(value)) return fail(`must be an array, not ${showValue(value)}`);
      const maxItems = schema.maxItems ?? 10_000;
      if (value.length < (schema.minItems ?? 0)) fail(`must have at least ${schema.minItems} items, not ${value.length}`);
      if (value.length > maxItems) fail(`must have at most ${maxItems} items, not ${value.length}`);
      value.forEach((item, i) => checkValue(item, schema.items, file, `${path}[${i}]`));
      return;
    }
    case 'object':
      return checkObject(value, schema, file, path, fail);
    case 'tagged': {
      if (typeof value !== 'object' || Array.isArray(value)) return fail(`must be an object, not ${showValue(value)}`);
      const tag = (value as Record<string, unknown>)[schema.key];
      const variant = typeof tag === 'string' && Object.hasOwn(schema.variants, tag) && Object.hasOwn(value as object, schema.key) ? schema.variants[tag] : undefined;
      if (!variant) throw new SchemaError(file, key(path, schema.key), `must be one of ${Object.keys(schema.variants).join(', ')}, not ${showValue(tag ?? null)}`);
      return checkObject(value, variant, file, path, fail);
    }
  }
}

function checkObject(value: unknown, schema: ObjectSchema, file: string, path: string, fail: (problem: string) => never): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`must be an object, not ${showValue(value)}`);
  const record = value as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(schema.properties, name)) {
      const known = Object.keys(schema.properties).join(', ');
      throw new SchemaError(file, key(path, name), `unknown field (known: ${known})`);
    }
  }
  for (const [name, field] of Object.entries(schema.properties)) {
    if (!Object.hasOwn(record, name)) {
      if (field.optional) continue;
      throw new SchemaError(file, key(path, name), `missing (must be ${expected(field)})`);
    }
    checkValue(record[name], field, file, key(path, name));
  }
}

/** What a schema accepts, in words. */
function expected(schema: Schema): string {
  const orNull = schema.nullable ? ' or null' : '';
  switch (schema.type) {
    case 'number': {
      const bounds = [
        schema.min !== undefined ? `>= ${schema.min}` : '',
        schema.above !== undefined ? `> ${schema.above}` : '',
        schema.max !== undefined ? `<= ${schema.max}` : '',
      ].filter(Boolean);
      return `${schema.integer ? 'an integer' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}${orNull}`;
    }
    case 'string':
      return schema.enum ? `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}${orNull}` : `a string${orNull}`;
    case 'boolean':
      return `true or false${orNull}`;
    case 'array':
      return `an array${orNull}`;
    default:
      return `an object${orNull}`;
  }
}
