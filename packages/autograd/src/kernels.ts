/**
 * The kernels autograd dispatches, gathered in one place (ops import from here, never from
 * kernel folders).
 */
export {
  adamStep, argmax, batchNorm2d as batchNorm2dKernel, batchNorm2dBackward, binary, binaryBackwardInput, broadcastShapes, concat, concatBackward,
  conv2d as conv2dKernel, conv2dBackwardBias, conv2dBackwardInput, conv2dBackwardReluBias, conv2dBackwardWeight, conv2dBackwardWeightReluBias, crossEntropy as crossEntropyKernel, crossEntropyBackward,
  dropout as dropoutKernel, dropoutBackward, empty, free, freeGruSaved, fromData, gru as gruKernel, gruBackward, logSoftmax as logSoftmaxKernel, logSoftmaxBackward, matmul, matmulBackward, numel,
  maxPool2d as maxPool2dKernel, maxPool2dBackward, reduce, reduceBackward, reshape as reshapeArray, sgdStep, sgdStepMulti, slice, sliceBackward, softmax as softmaxKernel, softmaxBackward, toData, toUint32, unary,
  unaryBackward, zeros,
} from '@duet/kernels';
export type {
  AdamHyper, BinaryOp, Conv2dOptions, CrossEntropyOptions, GpuArray, GruSaved, GruWeights, Labels, MaxPool2dOptions, ReduceOp, SgdHyper, UnaryOp,
} from '@duet/kernels';
