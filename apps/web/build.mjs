// Bundles the page into dist/: main.js (the app, with every package through its browser entry;
// .wgsl loaded as text), recorder.js (the AudioWorklet that hands microphone blocks to the
// page), index.html and style.css copied as they are, and the default model bundle
// (model/bundle.safetensors, made by `duet export`; see model/README.md) as dist/model/, which
// `npm run web` serves. No Node module may reach the bundle: the build fails if one does.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });

/** Fails the build on any `node:` import or a Node-only package entry. */
const browserOnly = {
  name: 'browser-only',
  setup(b) {
    b.onResolve({ filter: /^node:|^webgpu$|\/node$/ }, (args) => ({
      errors: [{ text: `${args.path} is Node-only and cannot be bundled for the page (imported by ${args.importer})` }],
    }));
  },
};

await build({
  entryPoints: { main: join(here, 'src/main.ts'), recorder: join(here, 'src/recorder_worklet.ts') },
  outdir: dist,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  loader: { '.wgsl': 'text' },
  plugins: [browserOnly],
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(here, 'src', file), join(dist, file));
mkdirSync(join(dist, 'model'), { recursive: true });
copyFileSync(join(here, 'model', 'bundle.safetensors'), join(dist, 'model', 'bundle.safetensors'));
