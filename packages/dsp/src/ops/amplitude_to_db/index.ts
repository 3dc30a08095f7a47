/**
 * AmplitudeToDB on the GPU: multiplier * log10(clamp(x, amin)) - multiplier * log10(max(amin, ref)),
 * with an optional topDb floor relative to each clip's max.
 * NOTE: torchaudio takes that max over the whole tensor for a 2-D clip and per item for a
 * (B, C, freq, time) batch, but for a 3-D (B, freq, time) tensor it folds B into channels and
 * takes ONE max over the batch. Duet always floors per clip (leading index), so a clip's features
 * do not depend on the batch it was computed in; that equals torchaudio on each clip alone.
 */
import { dispatch1d, type GpuContext } from '@duet/gpu';
import { empty, type GpuArray, type OpDef } from '@duet/kernels';
import source from '@duet/shaders/dsp/amplitude_to_db.wgsl';
import clipMaxSource from '@duet/shaders/dsp/clip_max.wgsl';
import { amplitudeToDBConfig, dbMultiplier, type AmplitudeToDBConfig } from '../../config';

const WG = 256;

/** x: (B, ...) -> same shape, in dB. */
export function amplitudeToDB(ctx: GpuContext, x: GpuArray, options: Partial<AmplitudeToDBConfig> = {}): GpuArray {
  const config = amplitudeToDBConfig(options);
  const size = x.shape.reduce((a, b) => a * b, 1);
  const batch = x.shape[0] ?? 1;
  const clipSize = batch > 0 ? size / batch : 0;
  const y = empty(ctx, x.shape, 'amplitudeToDB');
  let clipMax: GpuArray | null = null;
  if (config.topDb !== null && size > 0) {
    clipMax = empty(ctx, [batch], 'amplitudeToDB.clipMax');
    const reduce = ctx.kernel({ name: 'dsp/clip_max', source: clipMaxSource, overrides: { WG } });
    ctx.dispatch(reduce, { x: x.buffer, clipMax: clipMax.buffer }, { batch, clipSize }, [batch, 1, 1]);
  }
  const multiplier = dbMultiplier(config);
  const kernel = ctx.kernel({ name: 'dsp/amplitude_to_db', source, overrides: { WG } });
  ctx.dispatch(
    kernel,
    // Without topDb the shader never reads clipMax; x stands in for it (both are read-only).
    { x: x.buffer, clipMax: (clipMax ?? x).buffer, y: y.buffer },
    {
      size,
      clipSize: Math.max(1, clipSize),
      multiplier,
      amin: config.amin,
      dbMultiplier: Math.log10(Math.max(config.amin, config.refValue)),
      topDb: config.topDb ?? 0,
      useTopDb: config.topDb !== null ? 1 : 0,
    },
    dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  if (clipMax) ctx.release(clipMax.buffer);
  return y;
}

export const amplitudeToDBOp: OpDef = {
  name: 'amplitude_to_db',
  shaders: ['dsp/amplitude_to_db.wgsl', 'dsp/clip_max.wgsl'],
  differentiable: 'features are computed once from fixed audio before training; no gradient flows into the waveform',
  // Absolute, in dB: float32 log of values across 100 dB.
  tolerance: { atol: 2e-4, rtol: 1e-6 },
};
