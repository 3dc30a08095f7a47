/**
 * The kernels autograd dispatches, gathered in one place (ops import from here, never from
 * kernel folders). NOTE: max_pool2d is not exported by @duet/kernels' index yet, so it comes
 * from its folder until the lead adds it there.
 */
export {
  adamStep, argmax, batchNorm2d as batchNorm2dKernel, batchNorm2dBackward, binary, binaryBackwardInput, broadcastShapes, concat, concatBackward,
  conv2d as conv2dKernel, conv2dBackwardBias, conv2dBackwardInput, conv2dBackwardWeight, crossEntropy as crossEntropyKernel, crossEntropyBackward,
  dropout as dropoutKernel, dropoutBackward, empty, free, fromData, logSoftmax as logSoftmaxKernel, logSoftmaxBackward, matmul, matmulBackward, numel,
  reduce, reduceBackward, reshape as reshapeArray, sgdStep, slice, sliceBackward, softmax as softmaxKernel, softmaxBackward, toData, toUint32, unary,
  unaryBackward, zeros,
} from '@duet/kernels';
export type { AdamHyper, BinaryOp, Conv2dOptions, CrossEntropyOptions, GpuArray, Labels, ReduceOp, SgdHyper, UnaryOp } from '@duet/kernels';
export { maxPool2d as maxPool2dKernel, maxPool2dBackward, type MaxPool2dOptions } from '../../kernels/src/ops/max_pool2d/index';
