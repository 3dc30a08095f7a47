/**
 * audio-cnn's waveform augmentation on the GPU (the wave_augment kernel): per clip a time
 * shift of up to 0.1 s (zero-filled), a gain of up to ±6 dB, white noise at 10-40 dB SNR
 * (half the clips) and a speed change of up to ±10 % (most clips), each draw keyed by
 * (seed, global step) so a resumed run augments exactly as an uninterrupted one.
 * NOTE: wave_augment is not exported by @duet/kernels' index yet, so it comes from its folder
 * until the lead adds it there (as autograd does for max_pool2d).
 */
import type { GpuContext } from '@duet/gpu';
import { waveAugment, type WaveAugmentOptions } from '../../../../packages/kernels/src/ops/wave_augment/index';
import type { WaveAugmenter } from './datasets';

export const AUDIO_AUGMENT: Omit<WaveAugmentOptions, 'seed' | 'step'> = {
  shift: { maxShift: 800, mode: 'zero' },
  gain: { db: 6 },
  noise: { snrLo: 10, snrHi: 40, p: 0.5 },
  speed: { factor: 0.1, p: 0.8 },
};

export function waveAugmenter(ctx: GpuContext, seed: number): WaveAugmenter {
  return (waves, step) => waveAugment(ctx, waves, { ...AUDIO_AUGMENT, seed, step });
}
