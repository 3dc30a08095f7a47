/**
 * `duet predict` through the built CLI on bundles exported from run folders written in the
 * test (seeded initial weights; see bundle_runs.ts): images drawn here (light on dark, dark on
 * light, any size), an FSDD clip as a WAV at 8 kHz and resampled to 44.1 kHz, the --json
 * document per bundle kind (unimodal, early, intermediate, attention, late), its agreement with
 * the model run directly in-process, and the bad inputs (exit 2, one line naming the file).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { decodeImage, decodeWav, mnistStyle } from '@duet/data/node';
import { describeGpu, itGpu } from '@duet/gpu/testing';
import { buildModel, lateFuse, normalizePixels, type ModelSpec } from '@duet/models';
import { loadWeights } from '@duet/autograd/node';
import { noGrad, softmax, Tensor } from '@duet/autograd';
import { blankPng, digitPng, resampledWav, specOf, writeFusionRun, writeLateRun, writeUnimodalRun } from './bundle_runs';
import { duet, FSDD_RECORDINGS } from './cli';

const CLIP = join(FSDD_RECORDINGS, '7_theo_1.wav');
const haveData = existsSync(CLIP);
if (!haveData && process.env.CI === 'true') throw new Error(`${CLIP} is missing (CI must have ../shared/data)`);

interface PredictJson {
  image: number[] | null;
  audio: number[] | null;
  fused: number[];
  weights: { image: number; audio: number } | null;
  digit: number;
}

const dir = mkdtempSync(join(tmpdir(), 'duet-predict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

function predictJson(args: string[]): PredictJson {
  const run = duet(['predict', ...args, '--json']);
  expect(run.stderr.split('\n').filter((l) => l.startsWith('duet:'))).toEqual([]);
  expect(run.status).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const doc = JSON.parse(lines[0]) as PredictJson;
  expect(Object.keys(doc).sort()).toEqual(['audio', 'digit', 'fused', 'image', 'weights']);
  for (const probs of [doc.image, doc.audio, doc.fused]) {
    if (probs === null) continue;
    expect(probs).toHaveLength(10);
    expect(probs.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  }
  expect(doc.digit).toBe(doc.fused.indexOf(Math.max(...doc.fused)));
  return doc;
}

const close = (a: readonly number[] | null, b: readonly number[] | null, tol = 1e-5) => {
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  expect(Math.max(...a!.map((v, i) => Math.abs(v - b![i])))).toBeLessThan(tol);
};

const bundles: Record<string, string> = {};
let imageSpec: ModelSpec;

if (!haveData) console.warn(`cli: ${CLIP} not found; duet predict tests skipped`);

(haveData ? describeGpu : () => undefined)('duet predict', (gpu) => {
  beforeAll(async () => {
    const ctx = gpu();
    imageSpec = specOf('mnist-cnn');
    const audioSpec = specOf('audio-cnn', 4000);
    const runs: Record<string, string> = {
      image: await writeUnimodalRun(ctx, file('run-image'), imageSpec, 1),
      audio: await writeUnimodalRun(ctx, file('run-audio'), audioSpec, 2),
      early: await writeFusionRun(ctx, file('run-early'), 'early', imageSpec, audioSpec, 3),
      intermediate: await writeFusionRun(ctx, file('run-intermediate'), 'intermediate', imageSpec, audioSpec, 4),
      attention: await writeFusionRun(ctx, file('run-attention'), 'attention', imageSpec, audioSpec, 5),
      late: await writeLateRun(ctx, file('run-late'), 'average', imageSpec, audioSpec, 6),
    };
    for (const [kind, run] of Object.entries(runs)) {
      bundles[kind] = file(`${kind}.duet.safetensors`);
      const exported = duet(['export', '--model', run, '--out', bundles[kind]]);
      expect(exported.stderr.split('\n').filter((l) => l.startsWith('duet:'))).toEqual([]);
      expect(exported.status, `${kind}: ${exported.signal} ${exported.error} ${exported.stderr.slice(-300)}`).toBe(0);
    }
    writeFileSync(file('seven-light-on-dark.png'), digitPng(90, 120, false));
    writeFileSync(file('seven-dark-on-light.png'), digitPng(90, 120, true));
    writeFileSync(file('seven-small.png'), digitPng(37, 23, true));
    writeFileSync(file('blank.png'), blankPng(40, 40));
    const clip = decodeWav(readFileSync(CLIP), CLIP);
    writeFileSync(file('seven-44k.wav'), resampledWav(clip.samples, clip.sampleRate, 44100));
  }, 600_000);

  itGpu('an image bundle: light-on-dark and dark-on-light drawings give the same probabilities, those of the model run directly', async () => {
    const light = predictJson(['--model', bundles.image, '--image', file('seven-light-on-dark.png')]);
    const dark = predictJson(['--model', bundles.image, '--image', file('seven-dark-on-light.png')]);
    expect(light.audio).toBeNull();
    expect(light.weights).toBeNull();
    expect(light.fused).toEqual(light.image);
    close(light.image, dark.image, 1e-6);
    // The same model, run without the bundle: its run folder's weights on mnistStyle pixels.
    const ctx = gpu();
    const built = buildModel(ctx, imageSpec);
    loadWeights(join(file('run-image'), 'model.safetensors'), built.module);
    built.module.eval();
    const pixels = mnistStyle(decodeImage(readFileSync(file('seven-dark-on-light.png')), 'png'))!.pixels;
    const x = Tensor.from(ctx, normalizePixels(pixels, (imageSpec.preprocessing as { stats: { mean: number; std: number } }).stats), [1, 1, 28, 28]);
    const probs = await noGrad(() => softmax(built.module.forward(x))).toArray();
    built.module.free();
    close(light.image, Array.from(probs));
    // Any size: a small, wide image is scaled to the same MNIST layout.
    expect(predictJson(['--model', bundles.image, '--image', file('seven-small.png')]).image).toHaveLength(10);
  });

  itGpu('an audio bundle: a 44.1 kHz WAV is resampled to 8 kHz and gives (nearly) the 8 kHz file\'s probabilities', () => {
    const at8k = predictJson(['--model', bundles.audio, '--audio', CLIP]);
    const at44k = predictJson(['--model', bundles.audio, '--audio', file('seven-44k.wav')]);
    expect(at8k.image).toBeNull();
    expect(at8k.fused).toEqual(at8k.audio);
    close(at8k.audio, at44k.audio, 2e-3);
  });

  itGpu('attention: both senses alone (the other blanked), the fused probabilities and modality weights that sum to 1', () => {
    const both = predictJson(['--model', bundles.attention, '--image', file('seven-dark-on-light.png'), '--audio', CLIP]);
    expect(both.weights).not.toBeNull();
    expect(both.weights!.image + both.weights!.audio).toBeCloseTo(1, 5);
    const imageOnly = predictJson(['--model', bundles.attention, '--image', file('seven-dark-on-light.png')]);
    const audioOnly = predictJson(['--model', bundles.attention, '--audio', CLIP]);
    expect(imageOnly.audio).toBeNull();
    expect(audioOnly.image).toBeNull();
    // The per-sense rows of a two-input call are the network on one input with the other blanked.
    close(both.image, imageOnly.fused);
    close(both.audio, audioOnly.fused);
    const text = duet(['predict', '--model', bundles.attention, '--image', file('seven-dark-on-light.png'), '--audio', CLIP]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^model {3}attention \(mnist-cnn \+ audio-cnn\)\nimage .*\naudio .*\nweights image 0\.\d{3}, audio 0\.\d{3}\nfused .*\ndigit {3}\d\n$/);
  });

  itGpu('early and intermediate: probabilities for each sense and the fusion, no weights', () => {
    for (const kind of ['early', 'intermediate']) {
      const doc = predictJson(['--model', bundles[kind], '--image', file('seven-light-on-dark.png'), '--audio', file('seven-44k.wav')]);
      expect(doc.image).toHaveLength(10);
      expect(doc.audio).toHaveLength(10);
      expect(doc.weights).toBeNull();
    }
  });

  itGpu('late: each unimodal model, combined by the saved rule (average)', () => {
    const both = predictJson(['--model', bundles.late, '--image', file('seven-dark-on-light.png'), '--audio', CLIP]);
    const image = predictJson(['--model', bundles.late, '--image', file('seven-dark-on-light.png')]);
    const audio = predictJson(['--model', bundles.late, '--audio', CLIP]);
    close(both.image, image.image);
    close(both.audio, audio.audio);
    const fit = { temperatures: { image: 1, audio: 1 }, imageWeight: 0.5, combiner: { weight: [], bias: [] } };
    close(both.fused, lateFuse('average', fit, [both.image!], [both.audio!])[0], 1e-12);
    // The late bundle's unimodal parts are its runs' models: the same as their own bundles would give.
    expect(image.fused).toEqual(image.image);
  });

  itGpu('bad inputs: exit 2 and one line naming the file', () => {
    const cases: [string[], RegExp][] = [
      [['--model', bundles.image], /give --image FILE, --audio FILE or both/],
      [['--model', file('nope.safetensors'), '--image', file('blank.png')], /nope\.safetensors: no such file/],
      [['--model', CLIP, '--image', file('blank.png')], /7_theo_1\.wav: not a valid safetensors file.*not a model bundle/],
      [['--model', bundles.image, '--image', file('blank.png')], /blank\.png: no ink found/],
      [['--model', bundles.image, '--image', CLIP], /7_theo_1\.wav: /],
      [['--model', bundles.image, '--image', file('missing.png')], /missing\.png: no such file/],
      [['--model', bundles.audio, '--audio', file('blank.png')], /blank\.png: /],
      [['--model', bundles.audio, '--image', file('seven-small.png')], /audio\.duet\.safetensors: an audio-only model \(audio-cnn\) cannot read --image/],
      [['--model', bundles.image, '--audio', CLIP], /image\.duet\.safetensors: an image-only model \(mnist-cnn\) cannot hear --audio/],
    ];
    for (const [args, message] of cases) {
      const run = duet(['predict', ...args]);
      expect(run.status, args.join(' ')).toBe(2);
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('duet:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });
});
