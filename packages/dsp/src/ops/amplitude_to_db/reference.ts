/** CPU reference of AmplitudeToDB, in float64: the oracle for amplitude_to_db.wgsl. */
import { dbMultiplier, type AmplitudeToDBConfig } from '../../config';

/**
 * x: (B, ...) -> same shape in dB. The topDb floor is per clip (per leading index), which is
 * what torchaudio computes for one clip, or for a (B, 1, freq, time) batch.
 */
export function amplitudeToDBReference(x: ArrayLike<number>, batch: number, config: AmplitudeToDBConfig): Float64Array {
  const multiplier = dbMultiplier(config);
  const offset = multiplier * Math.log10(Math.max(config.amin, config.refValue));
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = multiplier * Math.log10(Math.max(x[i], config.amin)) - offset;
  if (config.topDb !== null) {
    const clipSize = x.length / batch;
    for (let b = 0; b < batch; b++) {
      let top = -Infinity;
      for (let j = 0; j < clipSize; j++) top = Math.max(top, y[b * clipSize + j]);
      for (let j = 0; j < clipSize; j++) y[b * clipSize + j] = Math.max(y[b * clipSize + j], top - config.topDb);
    }
  }
  return y;
}
