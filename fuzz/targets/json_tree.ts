/**
 * Mutations of a JSON config that know nothing of its schema: walk the parsed document, pick one
 * place in it and put a hostile value there (wrong types, huge or negative numbers, long strings
 * with line breaks or escapes, long arrays), delete it, add an unknown field (`__proto__`
 * included) beside it, or nest it deeply. Shared by the JSON targets (bundle config, fusion.json,
 * sweep grid), so every field of a seed is reached without listing paths by hand.
 */
import type { Rng } from '../engine';

type Key = string | number;

/** Numbers at every boundary a size or a rate may be checked against. */
const NUMBERS = [-1, 0, 1, 0.5, -0, 1e-320, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 10_000, 44_100, 4e9, 0.1 + 0.2];
const VALUES: unknown[] = [
  null, true, false, '', 'x', 'a\nb', '\u001b[2J', '\u0085', '\u2028', '..', '/etc/passwd', 'early', 'late', '0', 'NaN', '1e400',
  [], [null], [[1]], {}, { kind: 'image' }, { kind: 'audio' }, { __proto__: null, x: 1 },
];
const KEYS = ['unknownField', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'format', 'kind', '', 'a\nb', '\u001b[31m', 'x'.repeat(500)];

function paths(doc: unknown, at: Key[] = [], out: Key[][] = []): Key[][] {
  out.push(at);
  if (out.length > 2000) return out;
  if (Array.isArray(doc)) doc.slice(0, 32).forEach((v, i) => paths(v, [...at, i], out));
  else if (typeof doc === 'object' && doc !== null) for (const [k, v] of Object.entries(doc)) paths(v, [...at, k], out);
  return out;
}

function hostile(rng: Rng): unknown {
  const roll = rng.float();
  if (roll < 0.35) return rng.pick(NUMBERS) * (rng.chance(0.2) ? -1 : 1);
  if (roll < 0.8) return rng.pick(VALUES);
  if (roll < 0.9) return 'y'.repeat(rng.pick([101, 1001, 5000, 100_000]));
  return Array.from({ length: rng.pick([11, 17, 1001, 10_001, 100_000]) }, () => rng.pick([7, 'x', 0.5]));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function get(doc: unknown, path: Key[]): unknown {
  let node = doc;
  for (const k of path) node = (node as Record<Key, unknown>)[k];
  return node;
}

/** Sets `value` at `path` (an own property, even `__proto__`); the root is replaced when the path is empty. */
function setAt(doc: unknown, path: Key[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = doc as Record<Key, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<Key, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return doc;
}

/** One schema-blind mutation of JSON text (text that does not parse gets a hostile document). */
export function mutateJson(text: string, rng: Rng): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = {};
  }
  const where = rng.pick(paths(doc));
  const roll = rng.float();
  if (roll < 0.08) {
    const depth = rng.pick([17, 100, 10_000, 100_000]);
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    return JSON.stringify(setAt(doc, where, '\u0000NESTED\u0000')).replace('"\\u0000NESTED\\u0000"', nested);
  }
  if (roll < 0.2) return JSON.stringify(setAt(doc, where, undefined));
  if (roll < 0.35) {
    // An unknown field in the object at `where`, or else in the object holding it.
    const at = isObject(get(doc, where)) ? where : where.slice(0, -1);
    if (isObject(get(doc, at))) return JSON.stringify(setAt(doc, [...at, rng.pick(KEYS)], hostile(rng)));
  }
  if (roll < 0.4 && where.length > 0) {
    // The same key twice: JSON.parse keeps the last one; a checker must see that one.
    const json = JSON.stringify(doc);
    const key = JSON.stringify(String(where[where.length - 1]));
    return json.replace(`${key}:`, `${key}:${JSON.stringify(hostile(rng))},${key}:`);
  }
  return JSON.stringify(setAt(doc, where, hostile(rng)));
}
