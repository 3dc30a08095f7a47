/**
 * The page runs an ensemble bundle as `duet predict` does. Two audio-cnn runs that differ in
 * preprocessing (per-utterance and per-band normalisation; seeded weights, last layer sharpened
 * so the decision is no near-tie) become one ensemble (`duet ensemble`), exported by the built
 * CLI and served to the page from /model/. An FSDD "seven" resampled to 44.1 kHz goes through
 * the file input; the page's probabilities and digit are compared with `duet predict --json`
 * on the same WAV (1e-4: SwiftShader in the page, lavapipe under Dawn in Node).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '@duet/autograd';
import { decodeWav } from '@duet/data';
import { acquireGpu } from '@duet/gpu/node';
import { MemoryTuningStore } from '@duet/gpu';
import { getModel, makeSpec } from '@duet/models';
import { resampledWav, writeUnimodalRun } from '../../cli/test/bundle_runs';
import { buildAndServe, CHROMIUM, foreignRequests, openPage, waitReady, type OpenPage } from './browser';

const CLI = resolve(__dirname, '../../cli');
const CLIP = resolve(__dirname, '../../../../shared/data/fsdd/recordings/7_jackson_2.wav');
const skip = (!existsSync(CHROMIUM) || !existsSync(CLIP)) && process.env.CI !== 'true';
if (skip) console.warn(`e2e: ${CHROMIUM} or ${CLIP} not found; the ensemble page-vs-CLI suite is skipped`);

interface Doc {
  image: number[] | null;
  audio: number[] | null;
  fused: number[];
  digit: number;
}

const dir = mkdtempSync(join(tmpdir(), 'duet-ensemble-e2e-'));
const bundle = join(dir, 'voices.duet.safetensors');
const wav = join(dir, 'seven-44k.wav');
let server: Server;
let url: string;
let open: OpenPage | null = null;

function duet(args: string[]): string {
  const run = spawnSync(process.execPath, [join(CLI, 'bin/duet.js'), ...args], { encoding: 'utf8', timeout: 300_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

beforeAll(async () => {
  if (skip) return;
  execFileSync(process.execPath, [join(CLI, 'build.mjs')], { cwd: CLI, stdio: 'inherit' });
  const ctx = await acquireGpu({ tuning: new MemoryTuningStore() });
  const def = getModel('audio-cnn');
  const runs: string[] = [];
  for (const [k, normalization] of (['utterance', 'band'] as const).entries()) {
    const spec = makeSpec(def, def.preprocessing({ samples: 4000, normalization }), def.recipe, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const run = await writeUnimodalRun(ctx, join(dir, `run-${normalization}`), spec, 21 + k);
    // Sharpen: seeded classifiers give near-uniform probabilities; x12 makes the argmax clear.
    const weightsFile = join(run, 'model.safetensors');
    const { tensors } = parseSafetensors(new Uint8Array(readFileSync(weightsFile)), weightsFile);
    for (const name of ['classifier.weight', 'classifier.bias']) tensors.get(name)!.data.forEach((v, i, a) => (a[i] = 12 * v));
    writeFileSync(weightsFile, serializeSafetensors(tensors));
    runs.push(run);
  }
  ctx.dispose();
  duet(['ensemble', ...runs, '--out', join(dir, 'voices')]);
  duet(['export', '--model', join(dir, 'voices'), '--out', bundle]);
  const clip = decodeWav(new Uint8Array(readFileSync(CLIP)), CLIP);
  writeFileSync(wav, resampledWav(clip.samples, clip.sampleRate, 44100));
  ({ server, url } = await buildAndServe({ model: bundle }));
}, 300_000);

afterAll(async () => {
  await open?.close();
  server?.close();
});

describe.skipIf(skip)('the page and duet predict on an ensemble bundle', () => {
  it('a 44.1 kHz WAV: the same averaged probabilities and digit', async () => {
    open = await openPage(url);
    const { page, requests, problems, screenshot } = open;
    await waitReady(page);
    expect(await page.textContent('#model-status')).toMatch(/^Model: audio \(ensemble of audio-cnn, audio-cnn\) from model\/\.$/);
    await page.setInputFiles('#wav-input', wav);
    await page.waitForFunction(() => (window as any).duet.settled && (window as any).duet.prediction?.audio != null, null, { timeout: 120_000 });
    const got = (await page.evaluate(() => {
      const p = (window as any).duet.prediction;
      return { image: p.image, audio: p.audio, fused: p.fused, digit: p.digit };
    })) as Doc;
    const cli = JSON.parse(duet(['predict', '--model', bundle, '--audio', wav, '--json'])) as Doc;
    expect(got.image).toBeNull();
    expect(got.digit).toBe(cli.digit);
    for (const key of ['audio', 'fused'] as const) for (let i = 0; i < 10; i++) expect(Math.abs(got[key]![i] - cli[key]![i]), `${key}[${i}]`).toBeLessThan(1e-4);
    // The averaged prediction is no tie: the comparison of digits means something.
    const sorted = [...cli.fused].sort((a, b) => b - a);
    expect(sorted[0] - sorted[1]).toBeGreaterThan(1e-3);
    console.log(`ensemble page vs duet predict: digit ${cli.digit}, fused ${cli.fused.map((p) => p.toFixed(4)).join(' ')}`);
    expect(await page.textContent('#decision')).toBe(String(cli.digit));
    await screenshot('ensemble-page-vs-cli');
    expect(problems).toEqual([]);
    expect(foreignRequests(requests, url)).toEqual([]);
  }, 300_000);
});
