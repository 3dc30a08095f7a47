import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ops } from '../src/registry';

const SHADERS = resolve(__dirname, '../../../shaders');
const OPS_DIR = resolve(__dirname, '../src/ops');

function wgslFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : wgslFiles(path);
    return name.endsWith('.wgsl') ? [relative(SHADERS, path)] : [];
  });
}

describe('kernel registry', () => {
  it('has unique op names', () => {
    const names = ops.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('claims every .wgsl file under shaders/ exactly once (shaders of other packages excepted below)', () => {
    // dsp/ shaders belong to @duet/dsp, which has its own registry test.
    const files = wgslFiles(SHADERS).filter((f) => !f.startsWith('dsp/'));
    const owners = new Map<string, string[]>();
    for (const op of ops) for (const s of op.shaders) owners.set(s, [...(owners.get(s) ?? []), op.name]);
    for (const file of files) expect(owners.get(file), `${file} is owned by`).toHaveLength(1);
    for (const claimed of owners.keys()) expect(files, `op claims missing ${claimed}`).toContain(claimed);
  });

  it('gives every op a reference, a test, and backward tests unless it says why not', () => {
    for (const op of ops) {
      const dir = join(OPS_DIR, op.name);
      expect(existsSync(join(dir, 'index.ts')), `${op.name}/index.ts`).toBe(true);
      expect(existsSync(join(dir, 'reference.ts')), `${op.name}/reference.ts`).toBe(true);
      const test = join(dir, `${op.name}.test.ts`);
      expect(existsSync(test), `${op.name}.test.ts`).toBe(true);
      const source = readFileSync(test, 'utf8');
      if (op.differentiable === true) {
        expect(source, `${op.name} test checks gradients`).toMatch(/numericGradient/);
        expect(op.shaders.some((s) => /backward/.test(s)), `${op.name} has a backward shader`).toBe(true);
      } else {
        expect(op.differentiable.length, `${op.name} says why it is not differentiable`).toBeGreaterThan(10);
      }
    }
  });
});
