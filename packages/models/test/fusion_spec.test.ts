import { describe, expect, it } from 'vitest';
import { describeGpu, itGpu } from '@duet/gpu/testing';
import { fitLateFusion } from '../src/fusion/late';
import { blankFor, buildFusionFromSpec, fusionInputs, makeFusionSpec, parseFusionSpec } from '../src/fusion/spec';
import { getModel, makeSpec } from '../src/index';

const labels = [...'0123456789'];
const image = makeSpec(getModel('mnist-cnn'), getModel('mnist-cnn').preprocessing(), getModel('mnist-cnn').recipe, labels);
const audioDef = getModel('audio-cnn');
const audio = makeSpec(audioDef, audioDef.preprocessing({ samples: 4000 }), audioDef.recipe, labels);
const rows = (k: number) => Array.from({ length: 20 }, (_, i) => Array.from({ length: 10 }, (_, c) => (c === (i + k) % 10 ? 0.91 : 0.01)));
const fit = fitLateFusion(rows(0), rows(1), Array.from({ length: 20 }, (_, i) => i % 10), { seed: 1 });

describe('fusion.json', () => {
  it('round-trips network and late specs, with the blank values of the image statistics', () => {
    const spec = makeFusionSpec('attention', image, audio, { options: { headHidden: 64 } });
    expect(parseFusionSpec(JSON.stringify(spec), 'f.json')).toEqual(spec);
    expect(spec.options!.blank!.image).toBeCloseTo(-0.1307 / 0.3081, 6);
    expect(blankFor(image).audio).toBe(0);
    expect(fusionInputs(spec)).toEqual({ image: [1, 28, 28], audio: [1, 40, 51] });
    const late = makeFusionSpec('late', image, audio, { late: { method: 'disagreement', fit } });
    expect(parseFusionSpec(JSON.stringify(late), 'f.json')).toEqual(late);
  });

  it('rejects bad specs naming the file and the field', () => {
    const spec = makeFusionSpec('early', image, audio, {});
    expect(() => parseFusionSpec('{', 'f.json')).toThrow(/f.json: not JSON/);
    expect(() => parseFusionSpec(JSON.stringify({ ...spec, fusion: 'mid' }), 'f.json')).toThrow(/^f\.json: fusion: must be one of "early", "intermediate", "attention", "late", not "mid"$/);
    expect(() => parseFusionSpec(JSON.stringify({ ...spec, image: audio }), 'f.json')).toThrow(/"image" must be an image model/);
    expect(() => parseFusionSpec(JSON.stringify({ ...spec, audio: { ...audio, inputShape: [1, 2, 3] } }), 'f.json')).toThrow(/f.json \(audio\): inputShape/);
    expect(() => makeFusionSpec('late', image, audio, { late: { method: 'mean' as never, fit } })).toThrow(/late.method/);
    expect(() => makeFusionSpec('late', image, audio, { late: { method: 'vote', fit: { ...fit, temperatures: { image: 0, audio: 1 } } } })).toThrow(/^fusion spec: late\.fit\.temperatures\.image: must be above 0, not 0$/);
  });

  it('checks it against its schema first: unknown fields, sizes, nesting, one-line messages', () => {
    const spec = makeFusionSpec('early', image, audio, {});
    const refuse = (doc: unknown, message: RegExp) => expect(() => parseFusionSpec(typeof doc === 'string' ? doc : JSON.stringify(doc), 'f.json')).toThrow(message);
    refuse({ ...spec, extra: 1 }, /^f\.json: extra: unknown field \(known: format, fusion, image, audio, options, late\)$/);
    refuse({ ...spec, options: { ...spec.options, headHidden: 1e12 } }, /^f\.json: options\.headHidden: must be at most 65536, not 1000000000000$/);
    refuse({ ...spec, options: { earlyChannels: Array(17).fill(4) } }, /options\.earlyChannels: must have at most 16 items/);
    refuse({ ...spec, options: { dropout: '0.5' } }, /options\.dropout: must be a number >= 0 and <= 1, not "0\.5"$/);
    refuse({ ...spec, image: { ...image, __proto__x: 1 } }, /^f\.json: image\.__proto__x: unknown field/);
    refuse(`{"format":"duet-fusion/1","image":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /^f\.json: nested 100001 deep, more than the 16 allowed$/);
    refuse('{"format":\n', /^f\.json: not JSON \([^\n]*\)$/);
    refuse({ ...spec, late: { method: 'vote', fit } }, /^f\.json: a early network has no "late" fit$/);
    const late = makeFusionSpec('late', image, audio, { late: { method: 'vote', fit } });
    refuse({ ...late, late: { ...late.late, fit: { ...fit, combiner: { ...fit.combiner, bias: [...Array(9).fill(0), 1e31] } } } }, /late\.fit\.combiner\.bias\[9\]: must be at most 1e\+30, not 1e\+31$/);
    refuse({ ...late, late: undefined }, /^f\.json: late fusion needs "late"/);
  });
});

describeGpu('fusion.json builds', (gpu) => {
  itGpu('the network it describes', () => {
    const spec = makeFusionSpec('intermediate', image, audio, { options: { imageChannels: [2, 3], imageHidden: 4, audioChannels: [2, 3], headHidden: 5 } });
    const { module } = buildFusionFromSpec(gpu(), spec, 3);
    expect(module.inputs).toEqual(fusionInputs(spec));
    expect(module.modalityDropout.blank.image).toBeCloseTo(-0.1307 / 0.3081, 6);
    module.free();
    expect(() => buildFusionFromSpec(gpu(), makeFusionSpec('late', image, audio, { late: { method: 'vote', fit } }))).toThrow(/no fused network/);
  });
});
