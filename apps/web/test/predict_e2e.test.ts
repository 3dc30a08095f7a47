/**
 * The page's decision equals `duet predict` on the same inputs. A small attention-fusion
 * bundle is made in the setup (mnist-cnn + audio-cnn encoders, seeded weights, its last layer
 * sharpened so the decision is no near-tie) and exported by the built CLI; the page loads it
 * from /model/ (serve.mjs --model FILE). A 7 is drawn with the mouse, then an FSDD "seven"
 * resampled to 44.1 kHz goes through the file input; after each, the page's probabilities,
 * attention weights and digit are compared with `duet predict --json` on a PNG of the page's
 * own drawing and the same WAV (1e-4: SwiftShader in the page, lavapipe under Dawn in Node).
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
import { PNG } from 'pngjs';
import { resampledWav, specOf, writeFusionRun } from '../../cli/test/bundle_runs';
import { buildAndServe, CHROMIUM, drawSeven, foreignRequests, openPage, waitReady, type OpenPage } from './browser';

const CLI = resolve(__dirname, '../../cli');
const CLIP = resolve(__dirname, '../../../../shared/data/fsdd/recordings/7_jackson_2.wav');
const skip = (!existsSync(CHROMIUM) || !existsSync(CLIP)) && process.env.CI !== 'true';
if (skip) console.warn(`e2e: ${CHROMIUM} or ${CLIP} not found; the page-vs-CLI suite is skipped`);

interface Doc {
  image: number[] | null;
  audio: number[] | null;
  fused: number[];
  weights: { image: number; audio: number } | null;
  digit: number;
}

const dir = mkdtempSync(join(tmpdir(), 'duet-predict-e2e-'));
const bundle = join(dir, 'attention.duet.safetensors');
const wav = join(dir, 'seven-44k.wav');
let server: Server;
let url: string;
let open: OpenPage | null = null;

function cliPredict(args: string[]): Doc {
  const run = spawnSync(process.execPath, [join(CLI, 'bin/duet.js'), 'predict', '--model', bundle, ...args, '--json'], { encoding: 'utf8', timeout: 300_000 });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Doc;
}

function expectSame(page: Doc, cli: Doc): void {
  expect(page.digit).toBe(cli.digit);
  for (const key of ['image', 'audio', 'fused'] as const) {
    expect(page[key] === null, key).toBe(cli[key] === null);
    if (cli[key]) for (let i = 0; i < 10; i++) expect(Math.abs(page[key]![i] - cli[key]![i]), `${key}[${i}]`).toBeLessThan(1e-4);
  }
  expect(Math.abs(page.weights!.image - cli.weights!.image)).toBeLessThan(1e-4);
  expect(Math.abs(page.weights!.audio - cli.weights!.audio)).toBeLessThan(1e-4);
  const worst = Math.max(...(['image', 'audio', 'fused'] as const).flatMap((k) => (cli[k] ? cli[k]!.map((p, i) => Math.abs(p - page[k]![i])) : [])));
  console.log(`page vs duet predict: digit ${cli.digit}, max |page - CLI| probability ${worst.toExponential(2)}, fused ${cli.fused.map((p) => p.toFixed(4)).join(' ')}`);
}

/** The page's answer to its latest inputs, once it has one with `sense`. */
async function pagePrediction(page: OpenPage['page'], sense: 'image' | 'audio'): Promise<Doc> {
  await page.waitForFunction((s) => (window as any).duet.settled && (window as any).duet.prediction?.[s] != null, sense, { timeout: 120_000 });
  return page.evaluate(() => {
    const p = (window as any).duet.prediction;
    return { image: p.image, audio: p.audio, fused: p.fused, weights: p.weights, digit: p.digit };
  });
}

beforeAll(async () => {
  if (skip) return;
  execFileSync(process.execPath, [join(CLI, 'build.mjs')], { cwd: CLI, stdio: 'inherit' });
  const ctx = await acquireGpu({ tuning: new MemoryTuningStore() });
  const run = await writeFusionRun(ctx, join(dir, 'run'), 'attention', specOf('mnist-cnn'), specOf('audio-cnn'), 11);
  ctx.dispose();
  // Sharpen: the seeded head gives near-uniform probabilities; x12 makes the argmax clear.
  const weightsFile = join(run, 'model.safetensors');
  const { tensors } = parseSafetensors(new Uint8Array(readFileSync(weightsFile)), weightsFile);
  for (const name of ['head.3.weight', 'head.3.bias']) tensors.get(name)!.data.forEach((v, i, a) => (a[i] = 12 * v));
  writeFileSync(weightsFile, serializeSafetensors(tensors));
  const exported = spawnSync(process.execPath, [join(CLI, 'bin/duet.js'), 'export', '--model', run, '--out', bundle], { encoding: 'utf8' });
  expect(exported.status, exported.stderr).toBe(0);
  const clip = decodeWav(new Uint8Array(readFileSync(CLIP)), CLIP);
  writeFileSync(wav, resampledWav(clip.samples, clip.sampleRate, 44100));
  ({ server, url } = await buildAndServe({ model: bundle }));
}, 300_000);

afterAll(async () => {
  await open?.close();
  server?.close();
});

describe.skipIf(skip)('the page and duet predict on the same bundle and inputs', () => {
  it('a drawn 7, then a 44.1 kHz WAV: the same probabilities, attention weights and digit', async () => {
    open = await openPage(url);
    const { page, requests, problems, screenshot } = open;
    await waitReady(page);
    expect(await page.textContent('#model-status')).toMatch(/^Model: attention \(mnist-cnn \+ audio-cnn\) from model\/\.$/);
    await drawSeven(page);
    // The PNG the CLI reads is the page's own drawing, pixel for pixel.
    await page.waitForFunction(() => (window as any).duet.image !== null);
    const pad = await page.evaluate(() => {
      const c = document.getElementById('pad') as HTMLCanvasElement;
      return { width: c.width, height: c.height, rgba: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) };
    });
    const png = new PNG({ width: pad.width, height: pad.height });
    png.data.set(pad.rgba);
    const drawing = join(dir, 'drawn.png');
    writeFileSync(drawing, PNG.sync.write(png));

    // The prediction on the finished drawing alone (each pointer move asked for one).
    const imageOnly = await pagePrediction(page, 'image');
    expect(imageOnly.audio).toBeNull();
    expectSame(imageOnly, cliPredict(['--image', drawing]));

    await page.setInputFiles('#wav-input', wav);
    const both = await pagePrediction(page, 'audio');
    expect(both.audio).not.toBeNull();
    expectSame(both, cliPredict(['--image', drawing, '--audio', wav]));
    expect(await page.textContent('#decision')).toBe(String(both.digit));
    expect(await page.textContent('#weights')).toMatch(/^Attention weights: image 0\.\d{3}, audio 0\.\d{3}$/);
    await screenshot('page-vs-cli');
    expect(problems).toEqual([]);
    expect(foreignRequests(requests, url)).toEqual([]);
  }, 300_000);
});
