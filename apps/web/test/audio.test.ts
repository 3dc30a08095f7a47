import { describe, expect, it } from 'vitest';
import { VoiceActivity } from '../src/audio';

const RATE = 8000;
const FRAME = 160; // 20 ms

function frame(amplitude: number): Float32Array {
  return Float32Array.from({ length: FRAME }, (_, i) => amplitude * Math.sin((2 * Math.PI * 300 * i) / RATE));
}

/** Feeds `seconds` of frames of one amplitude; returns the states seen. */
function feed(vad: VoiceActivity, amplitude: number, seconds: number): string[] {
  return Array.from({ length: Math.round((seconds * RATE) / FRAME) }, () => vad.push(frame(amplitude)));
}

describe('VoiceActivity', () => {
  it('waits through silence, follows speech, and ends after the hangover of silence', () => {
    const vad = new VoiceActivity(RATE, { minThreshold: 0.01, factor: 4, hangover: 0.6, maxSeconds: 10 });
    expect(new Set(feed(vad, 0.001, 0.5))).toEqual(new Set(['silence']));
    expect(vad.onset).toBeNull();
    expect(new Set(feed(vad, 0.3, 0.5))).toEqual(new Set(['speech']));
    expect(vad.onset).toBeCloseTo(0.5, 5);
    const after = feed(vad, 0.001, 0.7);
    // 0.6 s = 30 frames of silence: 'speech' until the 30th, then 'done'.
    expect(after.indexOf('done')).toBe(29);
  });

  it('holds a noise floor: steady background hum well above minThreshold is not speech', () => {
    const vad = new VoiceActivity(RATE, { minThreshold: 0.01, factor: 4, hangover: 0.6, maxSeconds: 10 });
    expect(new Set(feed(vad, 0.05, 1))).toEqual(new Set(['silence']));
    expect(feed(vad, 0.5, 0.1)).toContain('speech');
  });

  it('stops at maxSeconds whatever it hears', () => {
    const vad = new VoiceActivity(RATE, { minThreshold: 0.01, factor: 4, hangover: 0.6, maxSeconds: 1 });
    expect(feed(vad, 0.3, 1.2).indexOf('done')).toBe(49);
  });
});
