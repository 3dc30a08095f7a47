/**
 * audio-cnn's augmentation on the GPU, every draw keyed by (seed, global step) so a resumed run
 * augments exactly as an uninterrupted one. Waveform (wave_augment): a time shift of up to
 * 0.1 s (zero-filled), a gain of up to ±6 dB, white noise at 10-40 dB SNR (half the clips) and
 * a speed change of up to ±10 % (most clips). Features (spec_augment): two frequency masks of
 * up to 6 mel bands and two time masks of up to 10 frames, filled with 0 (the per-utterance
 * mean after normalisation).
 */
import type { GpuContext } from '@duet/gpu';
import { reshape, specAugment, waveAugment, type SpecAugmentOptions, type WaveAugmentOptions } from '@duet/kernels';
import type { Padding } from '@duet/models';
import type { FeatureAugmenter, WaveAugmenter } from './datasets';

export const AUDIO_AUGMENT: Omit<WaveAugmentOptions, 'seed' | 'step'> = {
  shift: { maxShift: 800, mode: 'zero' },
  gain: { db: 6 },
  noise: { snrLo: 10, snrHi: 40, p: 0.5 },
  speed: { factor: 0.1, p: 0.8 },
};

export const FEATURE_MASKS: Omit<SpecAugmentOptions, 'seed' | 'step'> = { freqMasks: 2, maxFreqWidth: 6, timeMasks: 2, maxTimeWidth: 10, fill: 0 };

/**
 * With noise-floor padding the time shift wraps around (the padding is background, so moving it
 * to the front is still background); with zero padding it fills zeros, as the padding does.
 */
export function waveAugmenter(ctx: GpuContext, seed: number, padding: Padding = 'zeros'): WaveAugmenter {
  const shift = { ...AUDIO_AUGMENT.shift!, mode: padding === 'noise-floor' ? ('circular' as const) : ('zero' as const) };
  return (waves, step) => waveAugment(ctx, waves, { ...AUDIO_AUGMENT, shift, seed, step });
}

// features: (B, 1, F, T) -> (B, 1, F, T), a new array
export function featureMasker(ctx: GpuContext, seed: number): FeatureAugmenter {
  return (features, step) => {
    const [b, c, f, t] = features.shape;
    // The masks' own stream: a different key from the waveform's for the same step.
    const masked = specAugment(ctx, reshape(features, [b * c, f, t]), { ...FEATURE_MASKS, seed: seed + 2 ** 32, step });
    return reshape(masked, features.shape);
  };
}
