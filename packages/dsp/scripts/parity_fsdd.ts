/**
 * Measures the front end's parity with torchaudio on FSDD recordings: max |dB difference| where
 * torchaudio's value is within 80 dB of the clip's max, GPU and CPU reference.
 *   /usr/bin/python3 packages/dsp/test/fixtures/gen_dsp.py --measure 10 /tmp/fsdd_logmel.json
 *   node scripts/run-ts.mjs packages/dsp/scripts/parity_fsdd.ts /tmp/fsdd_logmel.json [dft|fft]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { acquireGpu } from '@duet/gpu/node';
import { fromData, free, toData } from '@duet/kernels';
import { MelSpectrogram, melSpectrogramReference, type StftStrategy } from '../src/index';
import { maxDbError, readFsdd } from '../test/fsdd';

// Run from the repository root: the recordings live in ../shared/data.
const FSDD_DIR = resolve('../shared/data/fsdd/recordings');

interface Case { name: string; file: string; config: { sampleRate: number; nFft: number; hopLength: number; nMels: number }; shape: number[]; db: number[] }

const cases: Case[] = JSON.parse(readFileSync(process.argv[2] ?? '/tmp/fsdd_logmel.json', 'utf8'));
const strategy = process.argv[3] as StftStrategy | undefined;
const ctx = await acquireGpu();
const worst: Record<string, { gpu: number; cpu: number }> = {};
for (const c of cases) {
  const pcm = readFsdd(FSDD_DIR, c.file);
  if (!pcm) throw new Error(`missing ${c.file}`);
  const transform = new MelSpectrogram(ctx, c.config, strategy);
  const clips = fromData(ctx, pcm, [1, pcm.length], 'clips');
  const out = transform.forward(clips, true);
  const gpuDb = await toData(ctx, out);
  const frames = out.shape[2];
  if (frames !== c.shape[1]) throw new Error(`${c.name}: ${frames} frames, torchaudio has ${c.shape[1]}`);
  const gpu = maxDbError(gpuDb, c.db).max;
  const cpu = maxDbError(melSpectrogramReference(pcm, 1, c.config, true), c.db).max;
  const key = c.name.split('/')[1];
  worst[key] = { gpu: Math.max(worst[key]?.gpu ?? 0, gpu), cpu: Math.max(worst[key]?.cpu ?? 0, cpu) };
  console.log(`${c.name.padEnd(28)} frames ${String(frames).padStart(3)}  max |dB diff| gpu ${gpu.toFixed(5)}  cpu ${cpu.toFixed(5)}`);
  free(ctx, clips);
  free(ctx, out);
  transform.dispose();
}
for (const [key, w] of Object.entries(worst)) console.log(`worst ${key}: gpu ${w.gpu.toFixed(5)} dB, cpu reference ${w.cpu.toFixed(5)} dB`);
ctx.dispose();
