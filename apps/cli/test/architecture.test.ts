/**
 * The rules in DESIGN.md that keep the parts apart, checked on the whole repository:
 * dependencies point down the layer list, packages neither print nor read argv, and the
 * browser entry points bundle for a page without any Node module.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
/** Lower index = lower layer; a package may depend only on lower layers. */
const LAYERS: Record<string, number> = {
  '@duet/shaders': 0,
  '@duet/data': 0,
  '@duet/gpu': 1,
  '@duet/kernels': 2,
  '@duet/dsp': 3,
  '@duet/autograd': 3,
  '@duet/models': 4,
  '@duet/cli': 5,
  '@duet/bench': 5,
  '@duet/web': 5,
};
const GPU_SIDE = new Set(['@duet/gpu', '@duet/kernels', '@duet/dsp', '@duet/autograd', '@duet/models', 'webgpu']);

function workspaces(): { dir: string; manifest: { name: string; dependencies?: Record<string, string> } }[] {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(ROOT, group))
      .map((name) => join(ROOT, group, name))
      .filter((dir) => existsSync(join(dir, 'package.json')))
      .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) })),
  );
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe('architecture', () => {
  it('has every package on a known layer, depending only on lower layers', () => {
    for (const { manifest } of workspaces()) {
      const own = LAYERS[manifest.name];
      expect(own, `${manifest.name} has a layer in this test`).toBeDefined();
      for (const dep of Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@duet/'))) {
        expect(LAYERS[dep], `${manifest.name} -> ${dep}`).toBeLessThan(own);
      }
      if (manifest.name === '@duet/data') {
        for (const dep of Object.keys(manifest.dependencies ?? {})) expect(GPU_SIDE.has(dep), `@duet/data must not depend on ${dep}`).toBe(false);
      }
    }
  });

  it('keeps packages/ silent: no console output and no process.argv below apps/', () => {
    const offenders = workspaces()
      .filter(({ dir }) => dir.includes(`${ROOT}/packages/`))
      .flatMap(({ dir }) => sourceFiles(join(dir, 'src')))
      .filter((file) => !/testing\.ts$/.test(file))
      .filter((file) => /\bconsole\.|process\.argv/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('bundles the browser entry points for a page with no Node module', async () => {
    const entries = ['packages/gpu/src/browser.ts', 'packages/kernels/src/index.ts', 'packages/dsp/src/index.ts', 'packages/data/src/index.ts']
      .map((p) => join(ROOT, p))
      .filter(existsSync);
    const result = await build({
      stdin: { contents: entries.map((e, i) => `export * as m${i} from ${JSON.stringify(e)};`).join('\n'), resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      loader: { '.wgsl': 'text' },
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/from\s+["']node:/);
    expect(code).toContain('@compute');
  });
});
