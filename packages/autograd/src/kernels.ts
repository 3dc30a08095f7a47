/**
 * The kernels autograd dispatches, gathered in one place. NOTE: @duet/kernels' index does not
 * export every op yet (the lead adds each to it as it lands), so the ops are imported from their
 * own folders here; once the index exports them, this file becomes `export … from '@duet/kernels'`.
 */
export { empty, fromData, free, numel, reshape as reshapeArray, toData, toUint32, zeros, type GpuArray } from '@duet/kernels';
export { unary, unaryBackward, type UnaryOp } from '@duet/kernels';
export { binary, binaryBackwardInput, broadcastShapes, type BinaryOp } from '../../kernels/src/ops/binary/index';
export { reduce, reduceBackward, argmax, type ReduceOp } from '../../kernels/src/ops/reduce/index';
export { matmul, matmulBackward } from '../../kernels/src/ops/matmul/index';
export { concat, concatBackward } from '../../kernels/src/ops/concat/index';
export { slice, sliceBackward } from '../../kernels/src/ops/slice/index';
export { softmax as softmaxKernel, logSoftmax as logSoftmaxKernel, softmaxBackward, logSoftmaxBackward } from '../../kernels/src/ops/softmax/index';
export { conv2d as conv2dKernel, conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardBias, type Conv2dOptions } from '../../kernels/src/ops/conv2d/index';
export { batchNorm2d as batchNorm2dKernel, batchNorm2dBackward } from '../../kernels/src/ops/batch_norm2d/index';
export { sgdStep, adamStep, type SgdHyper, type AdamHyper } from '../../kernels/src/ops/optim/index';
export { crossEntropy as crossEntropyKernel, crossEntropyBackward, type CrossEntropyOptions, type Labels } from '../../kernels/src/ops/cross_entropy/index';
export { dropout as dropoutKernel, dropoutBackward } from '../../kernels/src/ops/dropout/index';
export { maxPool2d as maxPool2dKernel, maxPool2dBackward, type MaxPool2dOptions } from '../../kernels/src/ops/max_pool2d/index';
