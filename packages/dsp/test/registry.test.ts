import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dspOps } from '../src/registry';

const SHADERS = resolve(__dirname, '../../../shaders');
const OPS_DIR = resolve(__dirname, '../src/ops');

describe('dsp op registry', () => {
  it('claims every .wgsl file under shaders/dsp exactly once', () => {
    const files = readdirSync(join(SHADERS, 'dsp')).filter((f) => f.endsWith('.wgsl')).map((f) => `dsp/${f}`);
    const claimed = dspOps.flatMap((op) => op.shaders);
    expect([...claimed].sort()).toEqual([...files].sort());
  });

  it('gives every op its directory, reference and test, and says why it has no backward', () => {
    expect(new Set(dspOps.map((o) => o.name)).size).toBe(dspOps.length);
    expect(readdirSync(OPS_DIR).sort()).toEqual(dspOps.map((o) => o.name).sort());
    for (const op of dspOps) {
      for (const file of ['index.ts', 'reference.ts', `${op.name}.test.ts`]) expect(existsSync(join(OPS_DIR, op.name, file)), `${op.name}/${file}`).toBe(true);
      expect(op.differentiable === true || op.differentiable.length > 10).toBe(true);
    }
  });
});
