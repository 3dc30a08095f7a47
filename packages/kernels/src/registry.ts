/**
 * Every op of Duet, in one explicit list (no registration by side effect). The meta-test in
 * test/registry.test.ts checks each has its reference and tests, and that every .wgsl file
 * under shaders/ is owned by exactly one op.
 */
import type { OpDef } from './op';
import { bandNormalizeOp } from './ops/band_normalize/index';
import { batchNorm2dOp } from './ops/batch_norm2d/index';
import { binaryOp } from './ops/binary/index';
import { checkFiniteOp } from './ops/check_finite/index';
import { concatOp } from './ops/concat/index';
import { conv2dOp } from './ops/conv2d/index';
import { crossEntropyOp } from './ops/cross_entropy/index';
import { dropoutOp } from './ops/dropout/index';
import { gruOp } from './ops/gru/index';
import { imageAugmentOp } from './ops/image_augment/index';
import { matmulOp } from './ops/matmul/index';
import { maxPool2dOp } from './ops/max_pool2d/index';
import { mixupOp } from './ops/mixup/index';
import { optimOp } from './ops/optim/index';
import { reduceOp } from './ops/reduce/index';
import { sliceOp } from './ops/slice/index';
import { softmaxOp } from './ops/softmax/index';
import { specAugmentOp } from './ops/spec_augment/index';
import { unaryOp } from './ops/unary/index';
import { waveAugmentOp } from './ops/wave_augment/index';

export const ops: readonly OpDef[] = [
  unaryOp,
  binaryOp,
  reduceOp,
  softmaxOp,
  crossEntropyOp,
  dropoutOp,
  matmulOp,
  conv2dOp,
  maxPool2dOp,
  batchNorm2dOp,
  bandNormalizeOp,
  optimOp,
  concatOp,
  sliceOp,
  gruOp,
  waveAugmentOp,
  specAugmentOp,
  imageAugmentOp,
  mixupOp,
  checkFiniteOp,
];
