import { describe, expect, it } from 'vitest';
import { checkValue, jsonDepth, parseJson, SchemaError, type Schema } from '../src/schema';

const SCHEMA: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 20 },
    mode: { type: 'string', enum: ['fast', 'slow'] },
    size: { type: 'number', integer: true, min: 1, max: 64 },
    std: { type: 'number', above: 0 },
    limit: { type: 'number', min: 0, nullable: true },
    flag: { type: 'boolean', optional: true },
    shape: { type: 'array', items: { type: 'number', integer: true, min: 1 }, minItems: 3, maxItems: 3 },
    source: {
      type: 'tagged',
      key: 'kind',
      variants: {
        image: { type: 'object', properties: { kind: { type: 'string' }, height: { type: 'number', integer: true, min: 1 } } },
        audio: { type: 'object', properties: { kind: { type: 'string' }, rate: { type: 'number', above: 0 } } },
      },
    },
  },
};

const GOOD = { name: 'a', mode: 'fast', size: 3, std: 0.5, limit: null, shape: [1, 2, 3], source: { kind: 'audio', rate: 8000 } };

/** The message of the SchemaError that parsing `doc` under SCHEMA throws. */
function problem(doc: unknown): string {
  try {
    parseJson(typeof doc === 'string' ? doc : JSON.stringify(doc), 'cfg.json', SCHEMA);
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('parseJson', () => {
  it('accepts a matching document and returns it', () => {
    expect(parseJson(JSON.stringify(GOOD), 'cfg.json', SCHEMA)).toEqual(GOOD);
    expect(parseJson(JSON.stringify({ ...GOOD, flag: true, source: { kind: 'image', height: 2 } }), 'cfg.json', SCHEMA)).toBeTruthy();
  });

  it('names the file, the JSON path and the problem on one line', () => {
    expect(problem({ ...GOOD, size: 0 })).toBe('cfg.json: size: must be at least 1, not 0');
    expect(problem({ ...GOOD, size: 2.5 })).toBe('cfg.json: size: must be an integer, not 2.5');
    expect(problem({ ...GOOD, size: 65 })).toBe('cfg.json: size: must be at most 64, not 65');
    expect(problem({ ...GOOD, std: 0 })).toBe('cfg.json: std: must be above 0, not 0');
    expect(problem({ ...GOOD, mode: 'medium' })).toBe('cfg.json: mode: must be one of "fast", "slow", not "medium"');
    expect(problem({ ...GOOD, name: '' })).toBe('cfg.json: name: must have at least 1 characters, not 0');
    expect(problem({ ...GOOD, shape: [1, 2] })).toBe('cfg.json: shape: must have at least 3 items, not 2');
    expect(problem({ ...GOOD, shape: [1, 0, 3] })).toBe('cfg.json: shape[1]: must be at least 1, not 0');
    expect(problem({ ...GOOD, shape: 'x' })).toBe('cfg.json: shape: must be an array, not "x"');
    expect(problem({ ...GOOD, source: { kind: 'audio', rate: 8000, height: 1 } })).toBe('cfg.json: source.height: unknown field (known: kind, rate)');
    expect(problem({ ...GOOD, source: { kind: 'video' } })).toBe('cfg.json: source.kind: must be one of image, audio, not "video"');
    expect(problem({ ...GOOD, size: null })).toBe('cfg.json: size: must be an integer >= 1 and <= 64, not null');
    expect(problem([])).toBe('cfg.json: (top level): must be an object, not an array of 0 items');
    expect(problem('{')).toMatch(/^cfg\.json: not JSON \(/);
  });

  it('refuses unknown and missing fields, __proto__ included', () => {
    expect(problem({ ...GOOD, extra: 1 })).toBe('cfg.json: extra: unknown field (known: name, mode, size, std, limit, flag, shape, source)');
    expect(problem('{"__proto__": {"size": 1}}')).toMatch(/^cfg\.json: __proto__: unknown field/);
    const { std: _, ...noStd } = GOOD;
    expect(problem(noStd)).toBe('cfg.json: std: missing (must be a number > 0)');
  });

  it('bounds nesting before parsing, in one pass', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(jsonDepth('["\\"[["]')).toBe(1);
    const deep = `{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(problem(deep)).toBe('cfg.json: nested 100001 deep, more than the 16 allowed');
    expect(() => parseJson('[[1]]', 'f', { type: 'array', items: { type: 'array', items: { type: 'number' } } }, { maxDepth: 1 })).toThrow(/nested 2 deep/);
  });

  it('escapes control characters and caps the message', () => {
    const hostile = problem({ ...GOOD, ['x\u001b[2J\n\u0085y']: 1 });
    expect(hostile).toBe('cfg.json: ["x\\u001b[2J\\n\\u0085y"]: unknown field (known: name, mode, size, std, limit, flag, shape, source)');
    expect(problem({ ...GOOD, name: 'a\nb' })).toBe('cfg.json: name: holds a control character: "a\\nb"');
    const long = problem({ ...GOOD, ['k'.repeat(300_000)]: 1 });
    expect(long.length).toBeLessThanOrEqual('cfg.json: '.length + 300);
    expect(long).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(problem({ ...GOOD, name: 'n'.repeat(100_000) })).toBe('cfg.json: name: must have at most 20 characters, not 100000');
    expect(problem({ ...GOOD, shape: new Array(20_000).fill(1) })).toBe('cfg.json: shape: must have at most 3 items, not 20000');
    expect(() => parseJson('{"a":1}', 'a\nb.json', { type: 'object', properties: {} })).toThrow('a\\u000ab.json: a: unknown field (known: )');
  });

  it('checkValue checks a parsed value at a given path', () => {
    expect(() => checkValue(-1, { type: 'number', min: 0 }, 'f.json', 'x.y')).toThrow('f.json: x.y: must be at least 0, not -1');
    expect(() => checkValue(1e308 * 10, { type: 'number' }, 'f.json')).toThrow('f.json: (top level): must be a number, not Infinity');
  });
});
