/**
 * `duet export` through the built CLI: a model trained by `duet train` on a tiny split round
 * trips into a bundle (same config, same tensors under their prefix) that `duet predict` runs;
 * fused run folders (network weights, late fusion's image/ and audio/ runs) export; the
 * bundle's strict checks (version, metadata, architecture names, labels, tensor names and
 * shapes) give one-line errors naming the file, exit 2.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors, type HostTensor } from '@duet/autograd';
import { describeGpu, itGpu } from '@duet/gpu/testing';
import { BUNDLE_KEY, decodeBundle, encodeBundle, unimodalConfig, type BundleConfig } from '@duet/models';
import { specOf, writeFusionRun, writeLateRun, writeUnimodalRun } from './bundle_runs';
import { duet, failsWith } from './cli';

const DATA = resolve(__dirname, '../../../../shared/data');
const CLIP = join(DATA, 'fsdd', 'recordings', '3_theo_0.wav');
const haveData = existsSync(CLIP);
if (!haveData && process.env.CI === 'true') throw new Error(`${DATA}/fsdd is missing (CI must have ../shared/data)`);
if (!haveData) console.warn(`cli: ${DATA}/fsdd not found; duet export tests skipped`);

const dir = mkdtempSync(join(tmpdir(), 'duet-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

function ok(run: ReturnType<typeof duet>): ReturnType<typeof duet> {
  expect(run.stderr.split('\n').filter((l) => l.startsWith('duet:'))).toEqual([]);
  expect(run.status).toBe(0);
  return run;
}

function readTensors(path: string): Map<string, HostTensor> {
  return parseSafetensors(new Uint8Array(readFileSync(path)), path).tensors;
}

/** Rewrites a bundle's config (the tensors kept) to test what the loader refuses. */
function withConfig(from: string, to: string, edit: (config: Record<string, unknown>) => unknown): string {
  const parsed = parseSafetensors(new Uint8Array(readFileSync(from)), from);
  const config = edit(JSON.parse(parsed.metadata[BUNDLE_KEY]) as Record<string, unknown>);
  writeFileSync(to, serializeSafetensors(parsed.tensors, { [BUNDLE_KEY]: JSON.stringify(config) }));
  return to;
}

describe.skipIf(!haveData)('duet export of trained runs', () => {
  it('a `duet train` run round trips: the config is its model.json, the tensors its weights, and predict runs it', () => {
    const split = file('split');
    mkdirSync(split);
    const rows = (speakers: string[]) => speakers.flatMap((s) => Array.from({ length: 10 }, (_, d) => `recordings/${d}_${s}_0.wav,${d}\n`)).join('');
    writeFileSync(join(split, 'train.csv'), rows(['george', 'jackson']));
    writeFileSync(join(split, 'test.csv'), rows(['theo']));
    const run = file('trained-audio');
    ok(duet(['train', 'audio', '--audio-dir', DATA, '--split', split, '--model', 'audio-cnn', '--pad-samples', '2400', '--epochs', '1', '--batch-size', '8', '--seed', '3', '--out', run]));
    const bundle = file('trained-audio.duet.safetensors');
    const exported = ok(duet(['export', '--model', run, '--out', bundle]));
    expect(exported.stdout).toMatch(/^wrote .*trained-audio\.duet\.safetensors: audio bundle \(audio-cnn\), \d+ tensors, [\d.]+ KiB\n$/);
    const { config, tensors } = decodeBundle(new Uint8Array(readFileSync(bundle)), bundle);
    expect(config.kind).toBe('audio');
    expect(config.audio).toEqual(JSON.parse(readFileSync(join(run, 'model.json'), 'utf8')));
    expect(config.image).toBeNull();
    const weights = readTensors(join(run, 'model.safetensors'));
    expect([...tensors.keys()].sort()).toEqual([...weights.keys()].map((n) => `audio.${n}`).sort());
    for (const [name, t] of weights) expect(Array.from(tensors.get(`audio.${name}`)!.data)).toEqual(Array.from(t.data));
    const doc = JSON.parse(ok(duet(['predict', '--model', bundle, '--audio', CLIP, '--json'])).stdout) as { audio: number[]; fused: number[] };
    expect(doc.audio).toHaveLength(10);
    expect(doc.fused).toEqual(doc.audio);
  }, 300_000);
});

describe('bundle format checks (no GPU)', () => {
  const spec = specOf('mnist-cnn');
  const tensors: [string, HostTensor][] = [['image.0.weight', { shape: [1], data: new Float32Array(1) }]];
  const bytes = encodeBundle(unimodalConfig(spec), tensors);
  const edit = (change: (c: Record<string, unknown>) => unknown) => {
    const parsed = parseSafetensors(bytes, 'x');
    return serializeSafetensors(parsed.tensors, { [BUNDLE_KEY]: JSON.stringify(change(JSON.parse(parsed.metadata[BUNDLE_KEY]) as Record<string, unknown>)) });
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['a newer format', edit((c) => ({ ...c, format: 'duet-bundle/9' })), /^m\.bundle: bundle format is "duet-bundle\/9", this version of Duet reads duet-bundle\/1$/],
    ['no config', serializeSafetensors(tensors), /^m\.bundle: not a Duet model bundle \(no "duet\.bundle" in its metadata/],
    ['a config that is not JSON', serializeSafetensors(tensors, { [BUNDLE_KEY]: '{' }), /^m\.bundle: not JSON \(/],
    ['an unknown kind', edit((c) => ({ ...c, kind: 'telepathy' })), /^m\.bundle: kind: must be one of "image", "audio", "early", .*, not "telepathy"$/],
    ['an unknown architecture', edit((c) => ({ ...c, image: { ...(c.image as object), model: 'resnet-9000' } })), /unknown model 'resnet-9000'/],
    ['missing labels', edit((c) => ({ ...c, labels: ['0', '1'] })), /^m\.bundle: labels: must have at least 10 items, not 2$/],
    ['a unimodal bundle without its model', edit((c) => ({ ...c, image: null })), /^m\.bundle: an image bundle needs its "image" model$/],
    ['a fusion kind without its spec', edit((c) => ({ ...c, kind: 'attention', audio: specOf('audio-cnn') })), /^m\.bundle: a attention fusion bundle needs its "fusion" spec$/],
    ['an unknown field', edit((c) => ({ ...c, weights: 'pickle' })), /^m\.bundle: weights: unknown field \(known: format, kind, labels, image, audio, fusion, ensemble\)$/],
    ['a newer format with new fields', edit((c) => ({ ...c, format: 'duet-bundle/2', quantised: true })), /^m\.bundle: bundle format is "duet-bundle\/2", this version of Duet reads duet-bundle\/1$/],
    ['a huge size in the embedded spec', edit((c) => ({ ...c, image: { ...(c.image as object), inputShape: [1, 1e9, 28] } })), /^m\.bundle: image\.inputShape\[1\]: must be at most 1048576, not 1000000000$/],
    ['a deeply nested config', serializeSafetensors(tensors, { [BUNDLE_KEY]: `{"labels":${'['.repeat(50_000)}${']'.repeat(50_000)}}` }), /^m\.bundle: nested 50001 deep, more than the 16 allowed$/],
    ['a config that is not an object', serializeSafetensors(tensors, { [BUNDLE_KEY]: 'null' }), /^m\.bundle: \(top level\): must be an object, not null$/],
    ['not safetensors', new TextEncoder().encode('RIFF....WAVEfmt '), /^m\.bundle: not a valid safetensors file for Duet: .*\(not a model bundle\)$/],
  ];
  for (const [what, data, message] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => decodeBundle(data, 'm.bundle')).toThrow(message);
    });
  }

  it('reads back what it writes', () => {
    const back = decodeBundle(bytes, 'm.bundle');
    expect(back.config).toEqual(unimodalConfig(spec) as BundleConfig);
    expect([...back.tensors.keys()]).toEqual(['image.0.weight']);
  });
});

(haveData ? describeGpu : () => undefined)('duet export of fused runs, and bundles that do not fit', (gpu) => {
  const image = specOf('mnist-cnn');
  const audio = specOf('audio-cnn', 2000);
  beforeAll(async () => {
    const ctx = gpu();
    await writeUnimodalRun(ctx, file('image-run'), image, 1);
    await writeFusionRun(ctx, file('attention-run'), 'attention', image, audio, 2);
    await writeLateRun(ctx, file('late-run'), 'disagreement', image, audio, 3);
  }, 300_000);

  itGpu('a network run (fusion.json + model.safetensors) exports with the network\'s own tensor names', () => {
    const out = file('attention.duet.safetensors');
    ok(duet(['export', '--model', file('attention-run'), '--out', out]));
    const { config, tensors } = decodeBundle(new Uint8Array(readFileSync(out)), out);
    expect(config.kind).toBe('attention');
    expect(config.fusion).toEqual(JSON.parse(readFileSync(file('attention-run/fusion.json'), 'utf8')));
    expect([...tensors.keys()].sort()).toEqual([...readTensors(file('attention-run/model.safetensors')).keys()].sort());
  });

  itGpu('a late run exports both models under image. and audio., from image/ and audio/ or image.safetensors and audio.safetensors', () => {
    const out = file('late.duet.safetensors');
    ok(duet(['export', '--model', file('late-run'), '--out', out]));
    const { config, tensors } = decodeBundle(new Uint8Array(readFileSync(out)), out);
    expect(config.kind).toBe('late');
    expect(config.fusion!.late!.method).toBe('disagreement');
    const names = (sub: string, prefix: string) => [...readTensors(file(`late-run/${sub}/model.safetensors`)).keys()].map((n) => `${prefix}${n}`);
    expect([...tensors.keys()].sort()).toEqual([...names('image', 'image.'), ...names('audio', 'audio.')].sort());
    const flat = file('late-flat');
    mkdirSync(flat);
    copyFileSync(file('late-run/fusion.json'), join(flat, 'fusion.json'));
    copyFileSync(file('late-run/image/model.safetensors'), join(flat, 'image.safetensors'));
    copyFileSync(file('late-run/audio/model.safetensors'), join(flat, 'audio.safetensors'));
    const again = file('late-flat.duet.safetensors');
    ok(duet(['export', '--model', flat, '--out', again]));
    expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
  });

  itGpu('export refuses runs it cannot bundle, and predict bundles whose tensors do not fit the architecture', () => {
    failsWith(['export', '--model', file('no-such-run'), '--out', file('x.b')], /--model .*no-such-run: not a folder/);
    mkdirSync(file('empty-run'));
    failsWith(['export', '--model', file('empty-run'), '--out', file('x.b')], /empty-run: neither fusion\.json nor model\.json \+ model\.safetensors is there/);
    // An image run whose weights are another model's: the shapes are checked before anything is written.
    const wrong = file('wrong-run');
    mkdirSync(wrong);
    copyFileSync(file('image-run/model.json'), join(wrong, 'model.json'));
    const weights = readTensors(file('image-run/model.safetensors'));
    weights.set('0.weight', { shape: [32, 1, 5, 5], data: new Float32Array(800) });
    writeFileSync(join(wrong, 'model.safetensors'), serializeSafetensors(weights));
    failsWith(['export', '--model', wrong, '--out', file('wrong.b')], /--model .*wrong-run: tensor 'image\.0\.weight' has shape \[32, 1, 5, 5\], the image architecture needs \[32, 1, 3, 3\]/);
    expect(existsSync(file('wrong.b'))).toBe(false);
    const late = file('late-missing');
    mkdirSync(late);
    copyFileSync(file('late-run/fusion.json'), join(late, 'fusion.json'));
    failsWith(['export', '--model', late, '--out', file('x.b')], /late-missing: the image model's weights not found/);
    // A valid bundle edited by hand: predict names the file.
    const good = file('image.duet.safetensors');
    ok(duet(['export', '--model', file('image-run'), '--out', good]));
    const lying = withConfig(good, file('lying.duet.safetensors'), (c) => ({ ...c, kind: 'audio', audio: specOf('audio-cnn'), image: null }));
    failsWith(['predict', '--model', lying, '--audio', CLIP], /lying\.duet\.safetensors: the weights do not fit the audio architecture \(missing audio\.features\.0\.weight/);
  });
});
