/** Where things are, found from the working directory so the bundled runner and vitest agree. */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above the working directory whose package.json is `duet`. */
export function repoRoot(): string {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'duet') return dir;
    if (dirname(dir) === dir) throw new Error(`fuzz: run from inside the Duet repository (no package.json named duet above ${process.cwd()})`);
  }
}

/** The FSDD recordings of the shared data folder next to the checkout (DUET_FSDD_DIR overrides). */
export function fsddDir(): string {
  return process.env.DUET_FSDD_DIR ?? join(repoRoot(), '../shared/data/fsdd/recordings');
}

/** A private scratch folder for targets whose loader reads files from disk. */
export function scratchDir(): string {
  const dir = join(tmpdir(), `duet-fuzz-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
