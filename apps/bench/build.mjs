// Bundles the benchmark app into one runnable file, dist/bench.js. .wgsl files load as text;
// Dawn's `webgpu` is a native addon and stays external. The peers (jax-js, TensorFlow.js) stay
// external too: they are loaded only by the `peers` suite, from node_modules, with import().
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/bench.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  loader: { '.wgsl': 'text' },
  external: ['webgpu', '@jax-js/jax', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
  // Some dependencies are CommonJS and call require(); give the ES module bundle one.
  banner: { js: "import { createRequire as __duetRequire } from 'node:module'; const require = __duetRequire(import.meta.url);" },
  logLevel: 'warning',
});
