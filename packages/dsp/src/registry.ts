/**
 * Every GPU op of @duet/dsp, in one explicit list. test/registry.test.ts checks each has its
 * reference and test, and that every .wgsl file under shaders/dsp/ is owned by exactly one op.
 */
import type { OpDef } from '@duet/kernels';
import { amplitudeToDBOp } from './ops/amplitude_to_db/index';
import { melScaleOp } from './ops/mel_scale/index';
import { resampleOp } from './ops/resample/index';
import { spectrogramOp } from './ops/spectrogram/index';

export const dspOps: readonly OpDef[] = [spectrogramOp, melScaleOp, amplitudeToDBOp, resampleOp];
