/**
 * The page as a new user finds it: `npm run web` serves the default bundle (apps/web/model,
 * trained by the project; see model/README.md). A 7 is drawn with the mouse and a "seven" by a
 * speaker the audio model never heard in training (FSDD's theo, recorded at 8 kHz, resampled to
 * 44.1 kHz as a phone or laptop would record it) goes through the file input: each sense alone
 * and the fusion must say 7, with both senses' probabilities shown. The default bundle is late
 * fusion (product of the calibrated probabilities; see model/README.md), which has no attention.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '@duet/data';
import { resampledWav } from '../../cli/test/bundle_runs';
import { buildAndServe, CHROMIUM, drawSeven, foreignRequests, openPage, waitReady, type OpenPage } from './browser';

const CLIP = resolve(__dirname, '../../../../shared/data/fsdd/recordings/7_theo_0.wav');
const skip = (!existsSync(CHROMIUM) || !existsSync(CLIP)) && process.env.CI !== 'true';
if (skip) console.warn(`e2e: ${CHROMIUM} or ${CLIP} not found; the default-bundle suite is skipped`);

const argmax = (p: readonly number[]) => p.indexOf(Math.max(...p));
let server: Server;
let url: string;
let open: OpenPage | null = null;
const wav = join(mkdtempSync(join(tmpdir(), 'duet-default-bundle-')), 'seven-44k.wav');

beforeAll(async () => {
  if (skip) return;
  const clip = decodeWav(new Uint8Array(readFileSync(CLIP)), CLIP);
  writeFileSync(wav, resampledWav(clip.samples, clip.sampleRate, 44100));
  ({ server, url } = await buildAndServe());
}, 300_000);

afterAll(async () => {
  await open?.close();
  server?.close();
});

describe.skipIf(skip)('the default bundle served with the page', () => {
  it('draw a 7, say "seven": image, audio and fusion all say 7', async () => {
    open = await openPage(url);
    const { page, requests, problems, screenshot } = open;
    await waitReady(page);
    expect(await page.textContent('#model-status')).toBe('Model: late (mnist-cnn + audio-cnn, rule product) from model/.');
    await drawSeven(page);
    await page.waitForFunction(() => (window as any).duet.settled && (window as any).duet.prediction?.image != null, null, { timeout: 120_000 });
    await page.setInputFiles('#wav-input', wav);
    await page.waitForFunction(() => (window as any).duet.settled && (window as any).duet.prediction?.audio != null, null, { timeout: 120_000 });
    const p = await page.evaluate(() => (window as any).duet.prediction as { image: number[]; audio: number[]; fused: number[]; digit: number });
    console.log(`default bundle: image ${argmax(p.image)} (${p.image[7].toFixed(3)}), audio ${argmax(p.audio)} (${p.audio[7].toFixed(3)}), fused ${p.digit} (${p.fused[7].toFixed(3)})`);
    expect(argmax(p.image), 'the drawing alone').toBe(7);
    expect(argmax(p.audio), 'the voice alone').toBe(7);
    expect(p.digit).toBe(7);
    expect(await page.textContent('#decision')).toBe('7');
    expect(await page.textContent('#weights')).toBe('Attention weights: – (this model has no attention)');
    await screenshot('default-bundle-seven');
    expect(problems).toEqual([]);
    expect(foreignRequests(requests, url)).toEqual([]);
  }, 300_000);
});
