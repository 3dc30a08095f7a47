import { describe, expect, it } from 'vitest';
import { ConfigError, getModel, makeSpec, parseSpec, type AudioPreprocessing } from '../src/index';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const audioPre = getModel('audio-cnn').preprocessing() as AudioPreprocessing;
const audio = makeSpec(getModel('audio-cnn'), audioPre, getModel('audio-cnn').recipe, LABELS);
const image = makeSpec(getModel('mnist-cnn'), getModel('mnist-cnn').preprocessing(), getModel('mnist-cnn').recipe, LABELS);

/** The ConfigError message parseSpec gives for `text` (JSON-encoded when not a string). */
function refusal(doc: unknown): string {
  try {
    parseSpec(typeof doc === 'string' ? doc : JSON.stringify(doc), 'run/model.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('model.json schema (issue 8: findings of the model-json fuzz target)', () => {
  it('accepts the specs makeSpec writes', () => {
    expect(parseSpec(JSON.stringify(audio), 'm.json')).toEqual(audio);
    expect(parseSpec(JSON.stringify(image), 'm.json')).toEqual(image);
  });

  it('refuses unknown fields, __proto__ and wrong types with the file and the path', () => {
    expect(refusal({ ...audio, extra: 1 })).toMatch(/^run\/model\.json: extra: unknown field/);
    expect(refusal(`{"__proto__":{},${JSON.stringify(audio).slice(1)}`)).toMatch(/^run\/model\.json: __proto__: unknown field/);
    expect(refusal({ ...audio, inputShape: 'x' })).toBe('run/model.json: inputShape: must be an array, not "x"');
    const { inputShape: _, ...noShape } = audio;
    expect(refusal(noShape)).toBe('run/model.json: inputShape: missing (must be an array)');
    expect(refusal({ ...audio, preprocessing: { ...audio.preprocessing, mel: undefined } })).toBe('run/model.json: preprocessing.mel: missing (must be an object)');
    expect(refusal({ ...audio, model: 'resnet' })).toMatch(/^run\/model\.json: model: unknown model 'resnet' \(known: lab-cnn, audio-cnn, /);
    expect(refusal({ ...image, preprocessing: { ...image.preprocessing, stats: { mean: 0, std: 0 } } })).toBe('run/model.json: preprocessing.stats.std: must be above 0, not 0');
    expect(refusal({ ...image, inputShape: [1, 28, 29] })).toBe('run/model.json: inputShape: [1, 28, 29] does not follow from its preprocessing ([1, 28, 28])');
    expect(refusal({ ...audio, preprocessing: { ...audioPre, samples: 10, mel: { ...audioPre.mel, center: false } }, inputShape: [1, 40, 1] })).toMatch(/^run\/model\.json: preprocessing: a clip of 10 samples is shorter than nFft 256/);
  });

  it('keeps hostile values out of the message: one line, escaped, short', () => {
    const deep = `{"format":"duet-model/1","model":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(refusal(deep)).toBe('run/model.json: nested 100001 deep, more than the 16 allowed');
    expect(refusal({ ...audio, format: new Array(100_000).fill(7) })).toBe('run/model.json: format: must be one of "duet-model/1", not an array of 100000 items');
    expect(refusal({ ...audio, labels: ['a\u001b[2J', 'b'] })).toBe('run/model.json: labels[0]: holds a control character: "a\\u001b[2J"');
    expect(refusal({ ...audio, model: 'x'.repeat(3000) })).toBe('run/model.json: model: must have at most 100 characters, not 3000');
    expect(refusal({ ...audio, model: 'x\u001b[2J' })).toBe('run/model.json: model: holds a control character: "x\\u001b[2J"');
    const notJson = refusal('{"format":\n\u0007');
    expect(notJson).toMatch(/^run\/model\.json: not JSON \(/);
    expect(notJson).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(notJson.length).toBeLessThanOrEqual('run/model.json: '.length + 300);
  });
});
