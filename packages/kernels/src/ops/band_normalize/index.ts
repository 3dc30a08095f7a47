/**
 * Per-band normalisation of log-mel spectrograms (cepstral mean normalisation on the mel bands):
 * each band's mean over the clip's active frames is subtracted, then the clip is divided by its
 * standard deviation; frames of padding or clamped silence (every band at the sample's minimum)
 * are left out of the statistics and set to 0. One dispatch per batch, one workgroup per sample.
 * Why: FSDD's speakers each recorded with their own microphone and room, a colouring that is a
 * constant per band in dB; a per-utterance scalar normalisation keeps it, this removes it.
 * Not differentiable: it acts on the inputs of a model.
 */
import type { GpuContext } from '@duet/gpu';
import source from '@duet/shaders/norm/band_normalize.wgsl';
import { empty, type GpuArray } from '../../array';
import type { OpDef } from '../../op';
import { withWorkgroupSum } from '../../wgsl';

const SOURCE = withWorkgroupSum(source); // once, not per dispatch

const WG = 256;
/** The largest F and T the kernel holds in workgroup memory (MAX_BANDS, MAX_FRAMES in the WGSL). */
export const MAX_BANDS = 512;
export const MAX_FRAMES = 2048;
/** Added to the variance before the square root (a clip of one active frame has variance 0 after centring). */
export const BAND_NORMALIZE_EPS = 1e-5;

/** x: (B, F, T) log-mel spectrograms -> (B, F, T) normalised copies (a new array). */
export function bandNormalize(ctx: GpuContext, x: GpuArray): GpuArray {
  if (x.shape.length !== 3) throw new Error(`band_normalize: x must be (B, F, T), got [${x.shape.join(', ')}]`);
  const [batch, freq, time] = x.shape;
  if (freq > MAX_BANDS) throw new Error(`band_normalize: ${freq} bands, at most ${MAX_BANDS}`);
  if (time > MAX_FRAMES) throw new Error(`band_normalize: ${time} frames, at most ${MAX_FRAMES} (a shorter clip or a longer hop)`);
  const y = empty(ctx, x.shape, 'band_normalize');
  if (batch * freq * time === 0) return y;
  const kernel = ctx.kernel({ name: 'band_normalize', source: SOURCE, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, y: y.buffer }, { freq, time, eps: BAND_NORMALIZE_EPS }, [batch, 1, 1]);
  return y;
}

export const bandNormalizeOp: OpDef = {
  name: 'band_normalize',
  // workgroup_sum.wgsl is shared with spec_augment and wave_augment; one op must own it.
  shaders: ['norm/band_normalize.wgsl', 'reduce/workgroup_sum.wgsl'],
  differentiable: 'normalises the inputs of a model; no gradient flows to them',
  // float32 tree sums over up to F * T values against a float64 reference.
  tolerance: { atol: 1e-5, rtol: 1e-4 },
};
