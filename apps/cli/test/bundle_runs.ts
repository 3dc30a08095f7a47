/**
 * Run folders for the export/predict tests, written in-process the way the training engine
 * saves them (model.json + model.safetensors; fusion.json + weights), from seeded initial
 * weights: the tests check the plumbing (files, shapes, preprocessing, the JSON), not accuracy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resampleReference } from '@duet/dsp';
import { encodeWav } from '@duet/data';
import { saveWeights } from '@duet/autograd/node';
import type { GpuContext } from '@duet/gpu';
import { buildFusionFromSpec, buildModel, getModel, makeFusionSpec, makeSpec, type FusionKind, type LateMethod, type ModelSpec } from '@duet/models';
import { PNG } from 'pngjs';

export const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The registry's spec for a model (audio: `samples` long clips, kept short for speed). */
export function specOf(model: 'mnist-cnn' | 'audio-cnn' | 'lab-cnn', samples?: number): ModelSpec {
  const def = getModel(model);
  return makeSpec(def, def.preprocessing({ samples }), def.recipe, LABELS);
}

/** A unimodal run folder: model.json + model.safetensors. */
export async function writeUnimodalRun(ctx: GpuContext, dir: string, spec: ModelSpec, seed: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const built = buildModel(ctx, spec, seed);
  await saveWeights(join(dir, 'model.safetensors'), built.module);
  built.module.free();
  writeFileSync(join(dir, 'model.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return dir;
}

/** A network-fused run folder: fusion.json + model.safetensors. */
export async function writeFusionRun(ctx: GpuContext, dir: string, kind: FusionKind, image: ModelSpec, audio: ModelSpec, seed: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const spec = makeFusionSpec(kind, image, audio, { options: { headHidden: 16, imageHidden: 24, imageChannels: [4, 8], audioChannels: [4, 8], earlyChannels: [4, 8] } });
  const built = buildFusionFromSpec(ctx, spec, seed);
  await saveWeights(join(dir, 'model.safetensors'), built.module);
  built.module.free();
  writeFileSync(join(dir, 'fusion.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return dir;
}

/** A late-fused run folder: fusion.json and the two unimodal runs as image/ and audio/. */
export async function writeLateRun(ctx: GpuContext, dir: string, method: LateMethod, image: ModelSpec, audio: ModelSpec, seed: number): Promise<string> {
  await writeUnimodalRun(ctx, join(dir, 'image'), image, seed);
  await writeUnimodalRun(ctx, join(dir, 'audio'), audio, seed + 1);
  const identity = Array.from({ length: 10 }, (_, r) => Array.from({ length: 20 }, (_, c) => (c % 10 === r ? 1 : 0)));
  const fit = { temperatures: { image: 1.5, audio: 0.8 }, imageWeight: 0.3, combiner: { weight: identity, bias: new Array(10).fill(0) } };
  const spec = makeFusionSpec('late', image, audio, { late: { method, fit } });
  writeFileSync(join(dir, 'fusion.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return dir;
}

/**
 * A PNG of a "7" drawn with thick strokes on a w x h canvas: light ink on dark, or dark on
 * light (`dark`): exact negatives of each other.
 */
export function digitPng(width: number, height: number, dark: boolean): Buffer {
  const png = new PNG({ width, height });
  const [paper, ink] = dark ? [255, 0] : [0, 255];
  const stroke = (x0: number, y0: number, x1: number, y1: number, r: number, x: number, y: number) => {
    const [dx, dy] = [x1 - x0, y1 - y0];
    const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy)) <= r;
  };
  const r = Math.max(2, Math.round(width / 14));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const on = stroke(0.25 * width, 0.2 * height, 0.75 * width, 0.2 * height, r, x, y) || stroke(0.75 * width, 0.2 * height, 0.45 * width, 0.85 * height, r, x, y);
      const v = on ? ink : paper;
      png.data.set([v, v, v, 255], 4 * (y * width + x));
    }
  }
  return PNG.sync.write(png);
}

/** A blank PNG (no ink at all). */
export function blankPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(255);
  return PNG.sync.write(png);
}

/** `samples` at `from` Hz resampled (torchaudio's sinc, float64 on the host) to a 16-bit WAV at `to` Hz. */
export function resampledWav(samples: Float32Array, from: number, to: number): Uint8Array {
  return encodeWav(Float32Array.from(resampleReference(samples, 1, from, to)), to, 16);
}
