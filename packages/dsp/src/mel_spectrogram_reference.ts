/** CPU reference of the whole front end in float64: spectrogram -> mel -> optional dB. */
import { amplitudeToDBConfig, frameCount, frequencyBins, melSpectrogramConfig, type AmplitudeToDBConfig, type MelSpectrogramConfig } from './config';
import { melFilterbank } from './mel_spectrogram';
import { amplitudeToDBReference } from './ops/amplitude_to_db/reference';
import { melScaleReference } from './ops/mel_scale/reference';
import { spectrogramReference } from './ops/spectrogram/reference';

/** x: (B, samples) -> (B, nMels, frames). */
export function melSpectrogramReference(
  x: ArrayLike<number>,
  batch: number,
  options: Partial<MelSpectrogramConfig> = {},
  db?: Partial<AmplitudeToDBConfig> | boolean,
): Float64Array {
  const config = melSpectrogramConfig(options);
  const frames = frameCount(x.length / batch, config);
  const fb = melFilterbank(config);
  const spec = spectrogramReference(x, batch, config);
  const mel = melScaleReference(spec, batch, frames, fb.weights, frequencyBins(config.nFft), config.nMels);
  return db ? amplitudeToDBReference(mel, batch, amplitudeToDBConfig(db === true ? {} : db)) : mel;
}
