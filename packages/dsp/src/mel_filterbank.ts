/**
 * Mel filterbanks built on the CPU in float64, exactly as torchaudio.functional.melscale_fbanks
 * builds them (torchaudio 0.13); applied on the GPU by ops/mel_scale.
 */
import type { MelNorm, MelScaleKind } from './config';

export interface MelFilterbank {
  /** fb: (nFreqs, nMels), row-major: column m is filter m. */
  readonly weights: Float64Array;
  readonly nFreqs: number;
  readonly nMels: number;
  /** Filters that are zero at every frequency bin (torchaudio warns about them). */
  readonly emptyFilters: readonly number[];
}

export function hzToMel(freq: number, melScale: MelScaleKind = 'htk'): number {
  if (melScale === 'htk') return 2595 * Math.log10(1 + freq / 700);
  // Slaney: linear below 1 kHz, logarithmic above.
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return freq >= minLogHz ? minLogMel + Math.log(freq / minLogHz) / logStep : freq / fSp;
}

export function melToHz(mel: number, melScale: MelScaleKind = 'htk'): number {
  if (melScale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

/** torch.linspace(start, end, steps) in float64. */
function linspace(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) out[i] = start + i * step;
  return out;
}

/**
 * fb: (nFreqs, nMels). Frequencies of the bins are linspace(0, floor(sampleRate / 2), nFreqs)
 * (torchaudio's integer division); filter edges are evenly spaced on the mel scale.
 */
export function melscaleFbanks(
  nFreqs: number,
  fMin: number,
  fMax: number,
  nMels: number,
  sampleRate: number,
  norm: MelNorm = 'none',
  melScale: MelScaleKind = 'htk',
): MelFilterbank {
  const allFreqs = linspace(0, Math.floor(sampleRate / 2), nFreqs); // (nFreqs)
  const mPts = linspace(hzToMel(fMin, melScale), hzToMel(fMax, melScale), nMels + 2);
  const fPts = mPts.map((m) => melToHz(m, melScale)); // (nMels + 2)
  const weights = new Float64Array(nFreqs * nMels);
  for (let k = 0; k < nFreqs; k++) {
    for (let m = 0; m < nMels; m++) {
      // Triangle m rises from fPts[m] to fPts[m + 1] and falls to fPts[m + 2].
      const down = -(fPts[m] - allFreqs[k]) / (fPts[m + 1] - fPts[m]);
      const up = (fPts[m + 2] - allFreqs[k]) / (fPts[m + 2] - fPts[m + 1]);
      let w = Math.max(0, Math.min(down, up));
      if (norm === 'slaney') w *= 2 / (fPts[m + 2] - fPts[m]);
      weights[k * nMels + m] = w;
    }
  }
  const emptyFilters: number[] = [];
  for (let m = 0; m < nMels; m++) {
    let max = 0;
    for (let k = 0; k < nFreqs; k++) max = Math.max(max, weights[k * nMels + m]);
    if (max === 0) emptyFilters.push(m);
  }
  return { weights, nFreqs, nMels, emptyFilters };
}

/** torchaudio's warning text for a filterbank with empty filters (the caller prints it). */
export function emptyFilterWarning(fb: MelFilterbank): string | null {
  if (!fb.emptyFilters.length) return null;
  return (
    'At least one mel filterbank has all zero values. ' +
    `The value for \`n_mels\` (${fb.nMels}) may be set too high. ` +
    `Or, the value for \`n_freqs\` (${fb.nFreqs}) may be set too low.`
  );
}
