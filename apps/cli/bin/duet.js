#!/usr/bin/env node
// The `duet` command. The CLI is one esbuild bundle (dist/duet.js, built by `npm run build`);
// this shim only points at it, so `npx duet` works from the repository root after set-up.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'duet.js');
if (!existsSync(bundle)) {
  console.error('duet: the CLI is not built yet; run `npm run build` (or `npm run setup`) at the repository root');
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
