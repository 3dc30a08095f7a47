/**
 * The sweep's grid file (`duet sweep fusion --grid grid.json`): apps/cli parseGrid, which is
 * pure (text and file name; paths are resolved against the file's folder, never read). Seeds
 * are grids using every field; mutations are json_tree's schema-blind ones.
 */
import { parseGrid } from '../../apps/cli/src/fusion/grid';
import type { Rng } from '../engine';
import type { Seed, Target } from '../target';
import { mutateJson } from './json_tree';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const GRIDS: [string, unknown][] = [
  ['small', { base: { epochs: 2, augment: false }, grid: { fusion: ['early', 'attention'], lr: [0.001, 0.003, 0.01] }, evalSeed: 5 }],
  ['paths-and-speakers', { base: { imageModel: 'runs/img', audioModel: '../audio', audioDir: '/data/fsdd', mnistDir: 'mnist', split: 'split.csv', testSpeakers: ['theo', 'yweweler'] }, grid: { fusion: ['late'], lateRule: ['vote', 'learned'], augment: [true, false] } }],
  ['every-field', {
    base: { pairsPerClip: 2, modalityDropout: 0.2, batchSize: 32, optimizer: 'adam', limit: 100, testLimit: 50, strategy: 'speaker' },
    grid: { fusion: ['early', 'intermediate'], seed: [0, 1, 2], testSpeakers: [['theo'], ['jackson', 'nicolas']] },
  }],
];

export const sweepGrid: Target = {
  name: 'sweep-grid',
  errors: ['CliError'],
  extension: '.json',
  seeds: (): Seed[] => GRIDS.map(([name, grid]) => ({ name, bytes: encoder.encode(JSON.stringify(grid, null, 2)), fields: [] })),
  special: (seed: Seed, rng: Rng) => encoder.encode(mutateJson(decoder.decode(seed.bytes), rng)),
  parse: (bytes, file) => parseGrid(decoder.decode(bytes), file),
};
