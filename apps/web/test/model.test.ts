/**
 * The page's bundle loader (the format itself is @duet/models' and tested with `duet export`):
 * a file the user chose is decoded and checked, its errors name the file, and the served
 * bundle's absence says how to make one.
 */
import { describe, expect, it } from 'vitest';
import { serializeSafetensors } from '@duet/autograd';
import { encodeBundle, ensembleConfig, getModel, makeEnsembleSpec, makeSpec, unimodalConfig } from '@duet/models';
import { BUNDLE_FILE, BundleError, describeBundle, fileBundle, NoBundleError } from '../src/model';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function spec(name: string) {
  const def = getModel(name);
  return makeSpec(def, def.preprocessing(), def.recipe, LABELS);
}

const tensors = [['audio.classifier.bias', { shape: [10], data: new Float32Array(10) }]] as const;

describe('the page bundle loader', () => {
  it('reads a chosen bundle file and describes it', async () => {
    const bytes = encodeBundle(unimodalConfig(spec('audio-cnn')), tensors.map(([n, t]) => [n, t]));
    const bundle = await fileBundle(new File([bytes as Uint8Array<ArrayBuffer>], 'digits.duet.safetensors'));
    expect(bundle.config.kind).toBe('audio');
    expect(bundle.source).toBe('digits.duet.safetensors');
    expect(describeBundle(bundle, 'model/')).toBe('Model: audio (audio-cnn) from model/.');
  });

  it('describes an ensemble bundle by its members', async () => {
    const members = [spec('audio-cnn'), spec('lab-cnn')];
    const ensemble = makeEnsembleSpec(members.map((m, i) => ({ spec: m, where: `run${i}`, source: `run${i}` })));
    const bytes = encodeBundle(ensembleConfig(ensemble, members), tensors.map(([n, t]) => [n.replace('audio.', 'audio.0.'), t]));
    const bundle = await fileBundle(new File([bytes as Uint8Array<ArrayBuffer>], 'voices.duet.safetensors'));
    expect(bundle.config.audio).toEqual(members[0]);
    expect(describeBundle(bundle, 'model/')).toBe('Model: audio (ensemble of audio-cnn, lab-cnn) from model/.');
  });

  it.each([
    ['not safetensors', new TextEncoder().encode('{"format":"duet-bundle/1"}'), /^mine\.safetensors: not a valid safetensors file for Duet: .* \(not a model bundle\)$/],
    ['safetensors without a config', serializeSafetensors([['w', { shape: [1], data: new Float32Array(1) }]]), /^mine\.safetensors: not a Duet model bundle \(no "duet\.bundle" in its metadata; write one with duet export\)$/],
    ['a newer bundle', serializeSafetensors([['w', { shape: [1], data: new Float32Array(1) }]], { 'duet.bundle': JSON.stringify({ format: 'duet-bundle/2' }) }), /^mine\.safetensors: bundle format is "duet-bundle\/2", this version of Duet reads duet-bundle\/1$/],
  ])('refuses %s with one line naming the file', async (_, bytes, message) => {
    const error = await fileBundle(new File([bytes as Uint8Array<ArrayBuffer>], 'mine.safetensors')).catch((e: Error) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect((error as Error).message).toMatch(message);
  });

  it('says no bundle is found, and how to build one', () => {
    expect(new NoBundleError(`model/${BUNDLE_FILE}`).message).toBe('no model bundle found at model/bundle.safetensors (build one with duet export)');
  });
});
