/**
 * Robustness: seeded corruptions of each sense and the list of conditions the fusion report
 * evaluates (every condition corrupts one sense and leaves the other clean).
 */
import { SNR_LEVELS_DB, type AudioCorruption } from './audio';
import { IMAGE_NOISE_SIGMAS, OCCLUSION_FRACTIONS, type ImageCorruption } from './image';

export * from './audio';
export * from './image';

export interface Condition {
  /** Stable id for report keys and file names, e.g. 'audio-white-0db', 'image-occlusion-50'. */
  readonly id: string;
  /** The curve it belongs to ('audio white noise', …) and its x value (dB, sigma, %, or null). */
  readonly curve: string;
  readonly x: number | null;
  readonly audio: AudioCorruption;
  readonly image: ImageCorruption;
}

const CLEAN_AUDIO: AudioCorruption = { kind: 'clean' };
const CLEAN_IMAGE: ImageCorruption = { kind: 'clean' };

/** The report's conditions: clean, audio white noise and babble per SNR, image noise, occlusion, blank, each sense missing. */
export function robustnessConditions(): Condition[] {
  return [
    { id: 'clean', curve: 'clean', x: null, audio: CLEAN_AUDIO, image: CLEAN_IMAGE },
    ...SNR_LEVELS_DB.map((snrDb) => ({ id: `audio-white-${snrDb}db`, curve: 'audio white noise', x: snrDb, audio: { kind: 'white', snrDb } as const, image: CLEAN_IMAGE })),
    ...SNR_LEVELS_DB.map((snrDb) => ({ id: `audio-babble-${snrDb}db`, curve: 'audio babble', x: snrDb, audio: { kind: 'babble', snrDb } as const, image: CLEAN_IMAGE })),
    ...IMAGE_NOISE_SIGMAS.map((sigma) => ({ id: `image-noise-${sigma}`, curve: 'image Gaussian noise', x: sigma, audio: CLEAN_AUDIO, image: { kind: 'noise', sigma } as const })),
    ...OCCLUSION_FRACTIONS.map((f) => ({ id: `image-occlusion-${f * 100}`, curve: 'image occlusion', x: f * 100, audio: CLEAN_AUDIO, image: { kind: 'occlusion', fraction: f } as const })),
    { id: 'image-blank', curve: 'image blanked', x: null, audio: CLEAN_AUDIO, image: { kind: 'blank' } },
    { id: 'image-missing', curve: 'missing modality', x: null, audio: CLEAN_AUDIO, image: { kind: 'missing' } },
    { id: 'audio-missing', curve: 'missing modality', x: null, audio: { kind: 'missing' }, image: CLEAN_IMAGE },
  ];
}
