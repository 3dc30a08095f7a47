/**
 * End-to-end: the built page in headless Chromium (WebGPU on SwiftShader) against the same
 * code in Node (WebGPU on Dawn + lavapipe): the drawing's 28x28 image, the mel spectrogram of a
 * WAV given through the file input and through the fake microphone, a set of kernels, and the
 * page's network traffic. One screenshot per test goes to apps/web/test-output/.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeSafetensors } from '@duet/autograd';
import { decodeWav, encodeWav, MNIST_SIZE, mnistStyle } from '@duet/data';
import { MelSpectrogram, resample } from '@duet/dsp';
import type { GpuContext } from '@duet/gpu';
import { acquireGpu } from '@duet/gpu/node';
import { MemoryTuningStore } from '@duet/gpu';
import { expectClose } from '@duet/gpu/testing';
import { free, fromData, toData } from '@duet/kernels';
import { getModel, type AudioPreprocessing } from '@duet/models';
import { runParityKernels } from '../src/parity';
import { buildAndServe, CHROMIUM, foreignRequests, openPage, waitReady, type OpenPage } from './browser';

// As with a missing GPU adapter: on CI a missing browser fails the suite; elsewhere it is skipped, loudly.
const skip = !existsSync(CHROMIUM) && process.env.CI !== 'true';
if (skip) console.warn(`e2e: ${CHROMIUM} not found (apt-get install chromium, or set DUET_CHROMIUM); the browser suite is skipped`);

interface PageAudio {
  source: 'microphone' | 'file';
  samples: number[];
  sampleRate: number;
  melShape: number[];
  mel: number[];
  liveUpdates: number;
}

const pre = getModel('audio-cnn').preprocessing() as AudioPreprocessing;
let server: Server;
let url: string;
let ctx: GpuContext;
let wavPath: string;
let open: OpenPage | null = null;

/**
 * A stand-in for a spoken word at 16 kHz: 0.4 s of silence, 0.7 s of a 440 Hz tone with a
 * 880 Hz overtone under a Hann envelope, 1.6 s of silence (long enough for the voice activity
 * detector to end the recording before the fake microphone loops).
 */
function utterance(): Float32Array {
  const rate = 16000;
  const out = new Float32Array(Math.round(2.7 * rate));
  const start = Math.round(0.4 * rate), length = Math.round(0.7 * rate);
  for (let i = 0; i < length; i++) {
    const t = i / rate;
    const envelope = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
    out[start + i] = 0.5 * envelope * (Math.sin(2 * Math.PI * 440 * t) + 0.3 * Math.sin(2 * Math.PI * 880 * t));
  }
  return out;
}

/** Power of one frequency (Goertzel), for checking what the fake microphone carried. */
function power(samples: ArrayLike<number>, rate: number, freq: number): number {
  const w = (2 * Math.PI * freq) / rate;
  let s1 = 0, s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i] + 2 * Math.cos(w) * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The page's mel spectrogram computed again in Node from the page's own samples. */
async function nodeMel(samples: Float32Array): Promise<{ shape: number[]; data: Float32Array }> {
  const mel = new MelSpectrogram(ctx, pre.mel);
  const wave = fromData(ctx, samples, [1, samples.length], 'e2e.wave');
  const out = mel.forward(wave, pre.db ?? false);
  const data = await toData(ctx, out);
  const shape = [out.shape[1], out.shape[2]];
  free(ctx, wave);
  free(ctx, out);
  mel.dispose();
  return { shape, data };
}

async function pageAudio(page: OpenPage['page'], source: 'microphone' | 'file'): Promise<PageAudio> {
  await page.waitForFunction((s) => (window as any).duet.audio !== null && (window as any).duet.audioSource === s, source, { timeout: 40_000 });
  return page.evaluate(() => {
    const d = (window as any).duet;
    return { source: d.audioSource, samples: Array.from(d.audio.samples), sampleRate: d.audio.sampleRate, melShape: [...d.audio.mel.shape], mel: Array.from(d.audio.mel.data), liveUpdates: d.liveUpdates };
  });
}

/** The mel the page drew equals Dawn's on the same samples (SwiftShader and lavapipe differ in the last bits). */
async function expectMelParity(audio: PageAudio): Promise<void> {
  const mine = await nodeMel(Float32Array.from(audio.samples));
  expect(audio.melShape).toEqual(mine.shape);
  expectClose(audio.mel, mine.data, 1e-4, 1e-5, 'mel spectrogram (dB), page vs Node');
  console.log(`mel parity (${audio.source}): max |page - Node| = ${maxDiff(audio.mel, mine.data).toExponential(2)} dB over ${mine.data.length} values`);
}

beforeAll(async () => {
  if (skip) return;
  const dir = mkdtempSync(join(tmpdir(), 'duet-e2e-'));
  // An empty model folder instead of the default bundle: these tests check the page without a model.
  const noModel = join(dir, 'no-model');
  mkdirSync(noModel);
  ({ server, url } = await buildAndServe({ model: noModel }));
  ctx = await acquireGpu({ tuning: new MemoryTuningStore() });
  wavPath = join(dir, 'utterance.wav');
  writeFileSync(wavPath, encodeWav(utterance(), 16000, 16));
}, 120_000);

afterAll(async () => {
  await open?.close();
  server?.close();
  await ctx?.sync().catch(() => undefined);
});

/** Opens the page for one test; the previous test's browser is closed first. */
async function fresh(options: Parameters<typeof openPage>[1] = {}): Promise<OpenPage> {
  await open?.close();
  open = await openPage(url, options);
  await waitReady(open.page);
  return open;
}

describe.skipIf(skip)('the page in headless Chromium', () => {
  it('loads, finds a WebGPU adapter, says no model bundle is served (an empty model folder), and stays on its own origin', async () => {
    const { page, requests, problems, screenshot } = await fresh();
    const state = await page.evaluate(() => {
      const d = (window as any).duet;
      return { adapter: d.adapter, gpuError: d.gpuError, modelStatus: d.modelStatus };
    });
    expect(state.gpuError).toBeNull();
    expect(state.adapter.backend).toBe('browser');
    expect(await page.textContent('#model-status')).toContain('no model bundle found');
    expect(await page.textContent('#model-status')).toContain('duet export');
    expect(await page.textContent('#decision')).toBe('–');
    const response = await page.request.get(url);
    expect(response.headers()['content-security-policy']).toMatch(/^default-src 'self'/);
    await screenshot('loads');
    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThan(2);
    expect(foreignRequests(requests, url)).toEqual([]);
  });

  it('says what is wrong with a served bundle that is not valid, and predicts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duet-bad-bundle-'));
    writeFileSync(join(dir, 'bundle.safetensors'), serializeSafetensors([['w', { shape: [1], data: new Float32Array(1) }]], { 'duet.bundle': JSON.stringify({ format: 'duet-bundle/0' }) }));
    const bad = await buildAndServe({ build: false, model: dir });
    try {
      await open?.close();
      const address = bad.server.address() as { port: number };
      open = await openPage(`http://127.0.0.1:${address.port}/`);
      await waitReady(open.page);
      expect(await open.page.textContent('#model-status')).toBe('model/bundle.safetensors: bundle format is "duet-bundle/0", this version of Duet reads duet-bundle/1');
      expect(await open.page.getAttribute('#model-status', 'class')).toContain('error');
      expect(await open.page.textContent('#decision')).toBe('–');
      await open.screenshot('invalid-bundle');
    } finally {
      bad.server.close();
    }
  });

  it('says clearly when the browser has no WebGPU, and still shows the drawing', async () => {
    const { page, screenshot } = await fresh({ initScript: 'Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined });' });
    const status = await page.textContent('#gpu-status');
    expect(status).toMatch(/WebGPU is not available: this browser does not expose WebGPU/);
    expect(await page.getAttribute('#gpu-status', 'class')).toContain('error');
    await screenshot('no-webgpu');
  });

  it('turns a drawn 7 (mouse) and a 1 (pen) into the 28x28 image mnistStyle makes of the pad in Node', async () => {
    const { page, screenshot, problems } = await fresh();
    const box = (await page.locator('#pad').boundingBox())!;
    const at = (x: number, y: number) => [box.x + x, box.y + y] as const;
    await page.mouse.move(...at(60, 60));
    await page.mouse.down();
    await page.mouse.move(...at(220, 60), { steps: 8 });
    await page.mouse.move(...at(120, 230), { steps: 12 });
    await page.mouse.up();
    const drawn = await page.evaluate(() => {
      const pad = document.getElementById('pad') as HTMLCanvasElement;
      const preview = document.getElementById('preview') as HTMLCanvasElement;
      const p = preview.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      const d = (window as any).duet;
      return {
        width: pad.width,
        height: pad.height,
        rgba: Array.from(pad.getContext('2d')!.getImageData(0, 0, pad.width, pad.height).data),
        preview: Array.from({ length: 784 }, (_, i) => p[4 * i]),
        image: Array.from(d.image.pixels as Uint8Array),
        box: d.image.box,
        centre: d.image.centre,
      };
    });
    const mine = mnistStyle({ width: drawn.width, height: drawn.height, rgba: drawn.rgba })!;
    expect(drawn.image).toEqual(Array.from(mine.pixels));
    expect(drawn.preview).toEqual(drawn.image);
    // The stroke's own geometry: points 60..220 x 60..230, width 18 with round caps.
    const [x0, y0, x1, y1] = drawn.box;
    expect(Math.abs(x0 - 51)).toBeLessThanOrEqual(2);
    expect(Math.abs(y0 - 51)).toBeLessThanOrEqual(2);
    expect(Math.abs(x1 - 229)).toBeLessThanOrEqual(2);
    expect(Math.abs(y1 - 239)).toBeLessThanOrEqual(2);
    expect(Math.hypot(drawn.centre[0] - MNIST_SIZE / 2, drawn.centre[1] - MNIST_SIZE / 2)).toBeLessThanOrEqual(0.75);
    await screenshot('draw-7');

    await page.click('#clear');
    expect(await page.evaluate(() => (window as any).duet.image)).toBeNull();
    // A pen stroke as scripted pointer events (pointerType 'pen'): a vertical 1.
    const pen = await page.evaluate(() => {
      const pad = document.getElementById('pad') as HTMLCanvasElement;
      const r = pad.getBoundingClientRect();
      const fire = (type: string, y: number) =>
        pad.dispatchEvent(new PointerEvent(type, { pointerId: 7, pointerType: 'pen', clientX: r.left + 140, clientY: r.top + y, bubbles: true, pressure: 0.5 }));
      fire('pointerdown', 40);
      for (let y = 50; y <= 240; y += 10) fire('pointermove', y);
      fire('pointerup', 240);
      return (window as any).duet.image.box;
    });
    expect(pen[0]).toBeGreaterThanOrEqual(129);
    expect(pen[2]).toBeLessThanOrEqual(151);
    expect(pen[3] - pen[1]).toBeGreaterThanOrEqual(215);
    await screenshot('draw-1-pen');
    expect(problems).toEqual([]);
  });

  it('computes the mel spectrogram of a WAV from the file input as @duet/dsp does under Dawn', async () => {
    const { page, screenshot, problems } = await fresh();
    await page.setInputFiles('#wav-input', wavPath);
    const audio = await pageAudio(page, 'file');
    expect(audio.sampleRate).toBe(pre.sampleRate);
    // Node decodes and resamples the same file on its own GPU: the page's samples match.
    const { readFileSync } = await import('node:fs');
    const decoded = decodeWav(new Uint8Array(readFileSync(wavPath)), 'utterance.wav');
    const x = fromData(ctx, decoded.samples, [1, decoded.samples.length], 'e2e.clip');
    const y = resample(ctx, x, decoded.sampleRate, pre.sampleRate);
    const samples = await toData(ctx, y);
    free(ctx, x);
    free(ctx, y);
    expectClose(audio.samples, samples, 1e-5, 1e-4, 'resampled samples, page vs Node');
    await expectMelParity(audio);
    expect(await page.textContent('#audio-status')).toMatch(/^File: 2\.70 s at 8000 Hz, mel 40x271\./);
    await screenshot('wav-file');
    expect(problems).toEqual([]);
  });

  it('records the fake microphone, stops on silence, and computes the same mel spectrogram as Node', async () => {
    const { page, screenshot, problems, requests } = await fresh({ fakeAudio: wavPath });
    await page.click('#record');
    const audio = await pageAudio(page, 'microphone');
    expect(audio.sampleRate).toBe(pre.sampleRate);
    expect(audio.liveUpdates).toBeGreaterThan(0);
    // Voice activity: the word (0.7 s) plus 0.1 s before and about 0.6 s of silence after.
    const seconds = audio.samples.length / audio.sampleRate;
    expect(seconds).toBeGreaterThan(0.9);
    expect(seconds).toBeLessThan(2.2);
    // What came through the microphone is the file's tone.
    expect(power(audio.samples, audio.sampleRate, 440)).toBeGreaterThan(20 * power(audio.samples, audio.sampleRate, 600));
    await expectMelParity(audio);
    expect(await page.textContent('#record')).toBe('Record');
    await screenshot('microphone');
    expect(problems).toEqual([]);
    expect(foreignRequests(requests, url)).toEqual([]);
  });

  it('runs matmul, conv2d, softmax and the mel spectrogram in the page as Dawn does in Node', async () => {
    const { page, screenshot } = await fresh();
    for (const seed of [1, 2]) {
      const inPage = await page.evaluate((s) => (window as any).duet.parity(s), seed);
      const inNode = await runParityKernels(ctx, seed);
      expect(Object.keys(inPage).sort()).toEqual(['conv2d', 'matmul', 'melSpectrogram', 'softmax']);
      for (const [name, mine] of Object.entries(inNode)) {
        expect(inPage[name].shape, name).toEqual(mine.shape);
        // Measured: matmul and conv2d agree exactly, softmax to 6e-8, mel to 4e-6 dB.
        const [atol, rtol] = name === 'melSpectrogram' ? [1e-4, 1e-5] : [1e-5, 1e-5];
        expectClose(inPage[name].data, mine.data, atol, rtol, `${name} (seed ${seed}), page vs Node`);
        console.log(`kernel parity ${name} (seed ${seed}): max |page - Node| = ${maxDiff(inPage[name].data, mine.data).toExponential(2)}`);
      }
    }
    await screenshot('kernel-parity');
  });
});
