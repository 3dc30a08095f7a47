/**
 * Mel projection on the GPU: (B, freq, frames) x fb (freq, nMels) -> (B, nMels, frames).
 * The filterbank is built on the CPU (mel_filterbank.ts) and uploaded once with the range of
 * nonzero bins of every filter.
 */
import { dispatch1d, type GpuContext } from '@duet/gpu';
import { empty, type GpuArray, type OpDef } from '@duet/kernels';
import source from '@duet/shaders/dsp/mel_scale.wgsl';
import type { MelFilterbank } from '../../mel_filterbank';

const WG = 256;

/** A filterbank on the GPU. */
export interface GpuFilterbank {
  readonly nFreqs: number;
  readonly nMels: number;
  readonly weights: GPUBuffer;
  /** (nMels, 2): first and one-past-last nonzero bin of each filter. */
  readonly ranges: GPUBuffer;
}

export function uploadFilterbank(ctx: GpuContext, fb: MelFilterbank): GpuFilterbank {
  const { nFreqs, nMels, weights } = fb;
  const ranges = new Uint32Array(2 * nMels);
  for (let m = 0; m < nMels; m++) {
    let lo = nFreqs;
    let hi = 0;
    for (let k = 0; k < nFreqs; k++) {
      if (weights[k * nMels + m] !== 0) {
        lo = Math.min(lo, k);
        hi = k + 1;
      }
    }
    ranges[2 * m] = Math.min(lo, hi); // an empty filter gets the empty range [0, 0)
    ranges[2 * m + 1] = hi;
  }
  return { nFreqs, nMels, weights: ctx.upload(Float32Array.from(weights), 'melScale.fb'), ranges: ctx.upload(ranges, 'melScale.ranges') };
}

export function freeFilterbank(ctx: GpuContext, fb: GpuFilterbank): void {
  ctx.release(fb.weights);
  ctx.release(fb.ranges);
}

/** spec: (B, nFreqs, frames) -> (B, nMels, frames). */
export function melScale(ctx: GpuContext, spec: GpuArray, fb: GpuFilterbank): GpuArray {
  if (spec.shape.length !== 3 || spec.shape[1] !== fb.nFreqs) {
    throw new Error(`melScale: spectrogram [${spec.shape.join(', ')}] does not have the filterbank's ${fb.nFreqs} frequency bins`);
  }
  const [batch, nFreqs, frames] = spec.shape;
  const out = empty(ctx, [batch, fb.nMels, frames], 'melScale');
  const size = batch * fb.nMels * frames;
  const kernel = ctx.kernel({ name: 'dsp/mel_scale', source, overrides: { WG } });
  ctx.dispatch(
    kernel,
    { spec: spec.buffer, fb: fb.weights, ranges: fb.ranges, melSpec: out.buffer },
    { size, nFreqs, nMels: fb.nMels, frames },
    dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension),
  );
  return out;
}

export const melScaleOp: OpDef = {
  name: 'mel_scale',
  shaders: ['dsp/mel_scale.wgsl'],
  differentiable: 'features are computed once from fixed audio before training; no gradient flows into the waveform',
  tolerance: { atol: 1e-6, rtol: 1e-5 },
};
