import { describe, expect, it } from 'vitest';
import { expectClose } from '@duet/gpu/testing';
import { emptyFilterWarning, hzToMel, melscaleFbanks, melToHz } from '../src/mel_filterbank';
import { golden } from './golden';

describe('melscaleFbanks', () => {
  it.each(golden.fbanks.cases.map((c) => [`${c.melScale} scale, norm ${c.norm}`, c] as const))('matches torchaudio: %s', (_, c) => {
    const fb = melscaleFbanks(c.nFreqs, c.fMin, c.fMax, c.nMels, c.sampleRate, c.norm, c.melScale);
    // torchaudio builds it in float32; ours is float64.
    let scale = 0;
    for (const v of c.values) scale = Math.max(scale, v);
    expectClose(fb.weights, c.values, 2e-6 * scale, 1e-5, 'filterbank');
    expect(fb.emptyFilters).toEqual([]);
  });

  it("finds torchaudio's empty filters (its own defaults: 128 mels over 201 bins) and words the warning alike", () => {
    const c = golden.fbanks.emptyCase;
    const fb = melscaleFbanks(c.nFreqs, c.fMin, c.fMax, c.nMels, c.sampleRate, c.norm, c.melScale);
    expect(fb.emptyFilters).toEqual(c.empty);
    expect(emptyFilterWarning(fb)).toBe(c.warning);
    expect(emptyFilterWarning(melscaleFbanks(201, 0, 8000, 40, 16000))).toBeNull();
  });

  it('uses integer division for the bin frequencies (sample rate 8001 -> top bin 4000 Hz)', () => {
    // One filter spanning 0..4000.5 Hz: the top bin sits at floor(8001 / 2) = 4000 Hz, just inside
    // the triangle; at 8001 / 2 = 4000.5 Hz it would be on the edge and weigh 0.
    const fb = melscaleFbanks(3, 0, 4000.5, 1, 8001);
    expect(fb.weights[2]).toBeGreaterThan(0);
    expect(fb.weights[2]).toBeLessThan(1e-3);
  });

  it('inverts hz <-> mel on both scales, across the Slaney knee at 1 kHz', () => {
    for (const scale of ['htk', 'slaney'] as const) {
      for (const f of [0, 440, 999, 1000, 1001, 7999]) expect(melToHz(hzToMel(f, scale), scale)).toBeCloseTo(f, 8);
    }
    expect(hzToMel(1000, 'slaney')).toBeCloseTo(15, 12);
  });
});
