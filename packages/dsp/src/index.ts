// @duet/dsp: the audio front end on the GPU, each op with a float64 CPU reference.
export * from './config';
export * from './window';
export * from './mel_filterbank';
export * from './mel_spectrogram';
export * from './registry';
export * from './ops/spectrogram/index';
export * from './ops/spectrogram/reference';
export * from './ops/mel_scale/index';
export * from './ops/mel_scale/reference';
export * from './ops/amplitude_to_db/index';
export * from './ops/amplitude_to_db/reference';
export * from './ops/resample/index';
export * from './ops/resample/reference';
export * from './mel_spectrogram_reference';
