import { resolve } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

it('the package entry (parsers, splits, batching) bundles for a browser page with no Node module', async () => {
  const result = await build({ entryPoints: [resolve(__dirname, '../src/index.ts')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  expect(result.errors).toEqual([]);
  const code = result.outputFiles[0].text;
  expect(code).not.toMatch(/from\s+["']node:|require\(["']node:/);
  expect(code).toContain('decodeWav');
});
