import { defineConfig, type Plugin } from 'vitest/config';

/** Imports `.wgsl` files as their source text, the same as esbuild's `text` loader. */
export const wgslText: Plugin = {
  name: 'wgsl-text',
  enforce: 'pre',
  transform(code, id) {
    if (!id.endsWith('.wgsl')) return null;
    return { code: `export default ${JSON.stringify(code)};`, map: null };
  },
};

/** The config every package's vitest.config.ts extends. */
export function packageConfig(options: { testTimeout?: number } = {}) {
  return defineConfig({
    plugins: [wgslText],
    test: {
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 120_000,
      // lavapipe already spreads one device over every core: more workers only fight over them.
      maxWorkers: 1,
      fileParallelism: false,
    },
  });
}
