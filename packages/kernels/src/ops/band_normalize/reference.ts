/** CPU reference of band_normalize in float64 (the WGSL's definition, term for term). */
import { BAND_NORMALIZE_EPS } from './index';

/** x: (B, F, T) row-major -> (B, F, T). */
export function bandNormalizeReference(x: ArrayLike<number>, batch: number, freq: number, time: number): Float64Array {
  const y = new Float64Array(batch * freq * time);
  for (let b = 0; b < batch; b++) {
    const at = (f: number, t: number) => x[(b * freq + f) * time + t];
    let lowest = Infinity;
    for (let f = 0; f < freq; f++) for (let t = 0; t < time; t++) lowest = Math.min(lowest, at(f, t));
    const active = Array.from({ length: time }, (_, t) => Array.from({ length: freq }, (_, f) => at(f, t)).some((v) => v > lowest));
    const count = active.filter(Boolean).length;
    if (count === 0) continue; // all zeros
    const means = Array.from({ length: freq }, (_, f) => active.reduce((s, on, t) => (on ? s + at(f, t) : s), 0) / count);
    let squares = 0;
    for (let f = 0; f < freq; f++) for (let t = 0; t < time; t++) if (active[t]) squares += (at(f, t) - means[f]) ** 2;
    const scale = 1 / Math.sqrt(squares / (count * freq) + BAND_NORMALIZE_EPS);
    for (let f = 0; f < freq; f++) for (let t = 0; t < time; t++) if (active[t]) y[(b * freq + f) * time + t] = (at(f, t) - means[f]) * scale;
  }
  return y;
}
