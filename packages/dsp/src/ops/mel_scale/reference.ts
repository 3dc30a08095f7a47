/** CPU reference of the mel projection, in float64: the oracle for mel_scale.wgsl. */

/** spec: (B, nFreqs, frames), fb: (nFreqs, nMels) -> (B, nMels, frames). */
export function melScaleReference(spec: ArrayLike<number>, batch: number, frames: number, fb: ArrayLike<number>, nFreqs: number, nMels: number): Float64Array {
  const out = new Float64Array(batch * nMels * frames);
  for (let b = 0; b < batch; b++) {
    for (let m = 0; m < nMels; m++) {
      for (let t = 0; t < frames; t++) {
        let sum = 0;
        for (let k = 0; k < nFreqs; k++) sum += fb[k * nMels + m] * spec[(b * nFreqs + k) * frames + t];
        out[(b * nMels + m) * frames + t] = sum;
      }
    }
  }
  return out;
}
