/** Analysis windows, computed in float64 on the CPU and uploaded once per configuration. */

/** Periodic Hann window of `length` (torch.hann_window default): w[n] = 0.5 - 0.5 cos(2πn / length). */
export function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  // torch.hann_window(1) is [1]: the periodic formula would give 0.
  if (length === 1) w[0] = 1;
  else for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}

/**
 * The window torch.stft applies: `window` (winLength) zero-padded on both sides to nFft, with
 * the extra zero on the right when nFft - winLength is odd.
 */
export function padWindow(window: ArrayLike<number>, nFft: number): Float64Array {
  if (window.length > nFft) throw new Error(`window length ${window.length} exceeds nFft ${nFft}`);
  const out = new Float64Array(nFft);
  const left = Math.floor((nFft - window.length) / 2);
  for (let n = 0; n < window.length; n++) out[left + n] = window[n];
  return out;
}
