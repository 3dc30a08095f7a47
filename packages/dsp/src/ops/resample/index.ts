/**
 * Band-limited resampling on the GPU, batched: torchaudio.functional.resample's windowed-sinc
 * polyphase filter (lowpass_filter_width 6, rolloff 0.99, Hann-windowed sinc by default).
 */
import { dispatch1d, type GpuContext } from '@duet/gpu';
import { empty, type GpuArray, type OpDef } from '@duet/kernels';
import source from '@duet/shaders/dsp/resample.wgsl';
import { resampledLength, sincResampleKernel, type ResampleOptions } from './reference';

export type { ResampleOptions } from './reference';

const WG = 256;

/** x: (B, samples) at origFreq -> (B, ceil(samples * newFreq / origFreq)) at newFreq. */
export function resample(ctx: GpuContext, x: GpuArray, origFreq: number, newFreq: number, options: ResampleOptions = {}): GpuArray {
  if (x.shape.length !== 2) throw new Error(`resample: clips must be (B, samples), got [${x.shape.join(', ')}]`);
  const [batch, samples] = x.shape;
  const k = sincResampleKernel(origFreq, newFreq, options);
  if (origFreq === newFreq) {
    const y = empty(ctx, x.shape, 'resample');
    ctx.copy(x.buffer, y.buffer, batch * samples * 4);
    return y;
  }
  const outLength = resampledLength(samples, k);
  const y = empty(ctx, [batch, outLength], 'resample');
  const weights = ctx.upload(Float32Array.from(k.weights), 'resample.kernel');
  const ranges = ctx.upload(k.ranges, 'resample.ranges');
  const size = batch * outLength;
  const kernel = ctx.kernel({ name: 'dsp/resample', source, overrides: { WG } });
  ctx.dispatch(
    kernel,
    { x: x.buffer, kernel: weights, ranges, y: y.buffer },
    { size, samples, outLength, origFreq: k.origFreq, newFreq: k.newFreq, taps: k.taps, width: k.width },
    dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  ctx.release(weights);
  ctx.release(ranges);
  return y;
}

export const resampleOp: OpDef = {
  name: 'resample',
  shaders: ['dsp/resample.wgsl'],
  differentiable: 'audio is resampled once when a corpus is loaded; no gradient flows into the waveform',
  tolerance: { atol: 2e-6, rtol: 1e-5 },
};
