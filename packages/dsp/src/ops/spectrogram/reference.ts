/** CPU reference of the batched STFT spectrogram, in float64: the oracle for stft.wgsl. */
import { frameCount, frequencyBins, type PadMode, type SpectrogramConfig } from '../../config';
import { hannWindow, padWindow } from '../../window';

/** Sample i of a signal extended past its ends by `mode` (torch.nn.functional.pad semantics). */
export function padSample(signal: ArrayLike<number>, offset: number, length: number, i: number, mode: PadMode): number {
  let j = i;
  if (j < 0 || j >= length) {
    if (mode === 'constant') return 0;
    if (mode === 'reflect') j = j < 0 ? -j : 2 * (length - 1) - j;
    else if (mode === 'replicate') j = Math.min(Math.max(j, 0), length - 1);
    else j = ((j % length) + length) % length;
  }
  return signal[offset + j];
}

/** x: (B, samples) -> (B, nFft / 2 + 1, frames), |STFT|^power. */
export function spectrogramReference(x: ArrayLike<number>, batch: number, config: SpectrogramConfig): Float64Array {
  const samples = x.length / batch;
  const { nFft, hopLength, pad, power } = config;
  const nFreqs = frequencyBins(nFft);
  const frames = frameCount(samples, config);
  const window = padWindow(hannWindow(config.winLength), nFft);
  const centerPad = config.center ? Math.floor(nFft / 2) : 0;
  const padded = samples + 2 * pad;
  const out = new Float64Array(batch * nFreqs * frames);
  const frame = new Float64Array(nFft);
  for (let b = 0; b < batch; b++) {
    // The zero `pad` first, then the centre padding by padMode, as torchaudio orders them.
    const zeroPadded = new Float64Array(padded);
    for (let i = 0; i < samples; i++) zeroPadded[pad + i] = x[b * samples + i];
    for (let t = 0; t < frames; t++) {
      for (let n = 0; n < nFft; n++) {
        frame[n] = padSample(zeroPadded, 0, padded, t * hopLength + n - centerPad, config.padMode) * window[n];
      }
      for (let k = 0; k < nFreqs; k++) {
        let re = 0;
        let im = 0;
        for (let n = 0; n < nFft; n++) {
          const angle = (2 * Math.PI * ((k * n) % nFft)) / nFft;
          re += frame[n] * Math.cos(angle);
          im -= frame[n] * Math.sin(angle);
        }
        const magnitude2 = re * re + im * im;
        out[(b * nFreqs + k) * frames + t] = power === 2 ? magnitude2 : Math.pow(magnitude2, power / 2);
      }
    }
  }
  return out;
}
