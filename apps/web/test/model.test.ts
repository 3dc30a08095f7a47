import { describe, expect, it } from 'vitest';
import { serializeSafetensors } from '@duet/autograd';
import { getModel, makeSpec } from '@duet/models';
import { BUNDLE_MANIFEST, BundleError, loadBundle, NoBundleError, parseManifest } from '../src/model';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function spec(name: string) {
  const def = getModel(name);
  return makeSpec(def, def.preprocessing(), def.recipe, LABELS);
}

function manifest(overrides: Record<string, unknown> = {}) {
  return {
    format: 'duet-bundle/1',
    labels: LABELS,
    image: { spec: spec('mnist-cnn'), weights: 'image.safetensors' },
    audio: { spec: spec('audio-cnn'), weights: 'audio.safetensors' },
    fusion: { kind: 'attention', config: {}, weights: 'fusion.safetensors' },
    ...overrides,
  };
}

const weights = serializeSafetensors([['w', { shape: [2], data: Float32Array.of(1, 2) }]]);

function reader(files: Record<string, Uint8Array | string>) {
  return async (name: string) => {
    const f = files[name];
    return f === undefined ? null : typeof f === 'string' ? new TextEncoder().encode(f) : f;
  };
}

describe('parseManifest', () => {
  it('accepts a complete bundle manifest', () => {
    const m = parseManifest(JSON.stringify(manifest()), 'bundle.json');
    expect(m.image.spec.model).toBe('mnist-cnn');
    expect(m.audio.spec.preprocessing.kind).toBe('audio');
    expect(m.fusion.kind).toBe('attention');
  });

  it.each([
    ['not JSON', '{', /bundle.json: not JSON/],
    ['an array', '[]', /must hold a JSON object/],
    ['another format', JSON.stringify(manifest({ format: 'duet-bundle/9' })), /format is "duet-bundle\/9", this page reads duet-bundle\/1/],
    ['nine labels', JSON.stringify(manifest({ labels: LABELS.slice(1) })), /labels must list the 10 digit names/],
    ['no fusion', JSON.stringify(manifest({ fusion: undefined })), /the "fusion" section is missing/],
    ['a weights path', JSON.stringify(manifest({ image: { spec: spec('mnist-cnn'), weights: '../etc/passwd.safetensors' } })), /image.weights must name a .safetensors file beside it/],
    ['swapped senses', JSON.stringify(manifest({ image: { spec: spec('audio-cnn'), weights: 'image.safetensors' } })), /image.spec is a model of audio, not image/],
    ['a bad model spec', JSON.stringify(manifest({ audio: { spec: { format: 'x' }, weights: 'a.safetensors' } })), /audio.spec: format is "x"/],
  ])('refuses %s with a message that says what is wrong', (_, text, message) => {
    expect(() => parseManifest(text, 'bundle.json')).toThrow(BundleError);
    expect(() => parseManifest(text, 'bundle.json')).toThrow(message);
  });
});

describe('loadBundle', () => {
  it('says no bundle is found, and how to build one, when there is no manifest', async () => {
    const error = await loadBundle(reader({}), 'model/').catch((e: Error) => e);
    expect(error).toBeInstanceOf(NoBundleError);
    expect((error as Error).message).toBe('no model bundle found at model/ (build one with duet export)');
  });

  it('reads the three weight files the manifest names', async () => {
    const files = { [BUNDLE_MANIFEST]: JSON.stringify(manifest()), 'image.safetensors': weights, 'audio.safetensors': weights, 'fusion.safetensors': weights };
    const bundle = await loadBundle(reader(files), 'model/');
    expect([...bundle.fusion.tensors.keys()]).toEqual(['w']);
  });

  it('names a missing or broken weight file', async () => {
    const base = { [BUNDLE_MANIFEST]: JSON.stringify(manifest()), 'image.safetensors': weights, 'audio.safetensors': weights };
    await expect(loadBundle(reader(base), 'model/')).rejects.toThrow('model/bundle.json names fusion.safetensors, which is missing');
    await expect(loadBundle(reader({ ...base, 'fusion.safetensors': new Uint8Array(3) }), 'model/')).rejects.toThrow(/model\/fusion.safetensors: not a valid safetensors file/);
  });
});
