/** Neural-network ops on tensors: softmax, logSoftmax, conv2d, maxPool2d, batchNorm2d, dropout, crossEntropy. */
import {
  batchNorm2dBackward, batchNorm2dKernel, conv2dBackwardBias, conv2dBackwardInput, conv2dBackwardReluBias, conv2dBackwardWeight, conv2dBackwardWeightReluBias, conv2dKernel,
  crossEntropyBackward, crossEntropyKernel, dropoutBackward, dropoutKernel, free, maxPool2dBackward, maxPool2dKernel,
  type CrossEntropyOptions, type Labels, type MaxPool2dOptions, logSoftmaxBackward, logSoftmaxKernel, softmaxBackward, softmaxKernel, unaryBackward, type Conv2dOptions, type GpuArray,
} from '../kernels';
import { record, Tensor } from '../tensor';

// x: (..., C) -> (..., C), over the last axis
export function softmax(x: Tensor): Tensor {
  const y = softmaxKernel(x.ctx, x.data);
  return record('softmax', y, [x], (g) => [softmaxBackward(x.ctx, y, g)]);
}

// x: (..., C) -> (..., C), over the last axis
export function logSoftmax(x: Tensor): Tensor {
  const y = logSoftmaxKernel(x.ctx, x.data);
  return record('logSoftmax', y, [x], (g) => [logSoftmaxBackward(x.ctx, y, g)]);
}

export interface Conv2dArgs extends Conv2dOptions {
  /** Fuse a relu into the convolution (its mask is the output > 0 in the backward). */
  readonly relu?: boolean;
}

// x: (B, Cin, H, W), weight: (Cout, Cin, kH, kW), bias: (Cout) -> (B, Cout, H', W')
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor, args: Conv2dArgs = {}): Tensor {
  const ctx = x.ctx;
  const geometry: Conv2dOptions = { stride: args.stride, padding: args.padding, dilation: args.dilation };
  const y = conv2dKernel(ctx, x.data, weight.data, bias?.data ?? null, { ...geometry, relu: args.relu });
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record(args.relu ? 'conv2d+relu' : 'conv2d', y, parents, (gradOutput, needs) => {
    // A first layer (no gradient to its input) with relu and bias: mask and bias sum fold into gradWeight.
    if (args.relu && bias && !needs[0] && needs[1] && needs[2]) {
      const { gradWeight, gradBias } = conv2dBackwardWeightReluBias(ctx, y, gradOutput, x.data, weight.shape, geometry);
      return [null, gradWeight, gradBias];
    }
    // relu'(y) with y the relu's output: y > 0 exactly where its input was > 0. With a bias to
    // train, one kernel masks the gradient and sums it to gradBias.
    const fused = args.relu && bias && needs[2] ? conv2dBackwardReluBias(ctx, y, gradOutput) : null;
    const g = fused?.gradConv ?? (args.relu ? unaryBackward(ctx, 'relu', y, gradOutput) : gradOutput);
    const grads: (GpuArray | null)[] = [
      needs[0] ? conv2dBackwardInput(ctx, g, weight.data, x.shape, geometry) : null,
      needs[1] ? conv2dBackwardWeight(ctx, g, x.data, weight.shape, geometry) : null,
    ];
    if (bias) grads.push(fused?.gradBias ?? (needs[2] ? conv2dBackwardBias(ctx, g) : null));
    if (g !== gradOutput) free(ctx, g);
    return grads;
  });
}

// x: (B, C, H, W) -> (B, C, H', W'); the gradient goes to the first maximum of each window
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const { output, indices } = maxPool2dKernel(x.ctx, x.data, options);
  const held = new Tensor(x.ctx, indices);
  return record('maxPool2d', output, [x], (g) => [maxPool2dBackward(x.ctx, g, held.data, x.shape, options)]);
}

export interface BatchNorm2dArgs {
  /** Batch statistics and a running-stats update when true; the running statistics when false. */
  readonly training: boolean;
  readonly momentum?: number;
  readonly eps?: number;
}

// x: (B, C, H, W), weight, bias, runningMean, runningVar: (C) -> (B, C, H, W)
/**
 * Batch normalisation per channel. In training the running statistics (plain arrays, not
 * tensors: they get no gradient) are updated in place. NOTE: eval mode records no backward
 * (the kernels have none for it); backpropagating through it throws, naming the op.
 */
export function batchNorm2d(x: Tensor, weight: Tensor, bias: Tensor, runningMean: GpuArray, runningVar: GpuArray, args: BatchNorm2dArgs): Tensor {
  const ctx = x.ctx;
  const { output, saveMean, saveInvstd } = batchNorm2dKernel(ctx, x.data, { weight: weight.data, bias: bias.data, runningMean, runningVar }, args);
  if (!args.training) return record('batchNorm2d(eval)', output, [x, weight, bias], null);
  // Held as tensors so the step's scope frees them with the other intermediates.
  const mean = new Tensor(ctx, saveMean!);
  const invstd = new Tensor(ctx, saveInvstd!);
  return record('batchNorm2d', output, [x, weight, bias], (g, needs) => {
    const { gradInput, gradWeight, gradBias } = batchNorm2dBackward(ctx, x.data, g, weight.data, mean.data, invstd.data);
    return [gradInput, gradWeight, gradBias].map((grad, k) => {
      if (needs[k]) return grad;
      free(ctx, grad);
      return null;
    });
  });
}

export interface DropoutArgs {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Seed of the counter-based RNG, and a per-call counter: (seed, step) fixes the mask. */
  readonly seed: number;
  readonly step: number;
}

// x: (...) -> (...), kept elements scaled by 1 / (1 - p)
export function dropout(x: Tensor, args: DropoutArgs): Tensor {
  const { output, mask } = dropoutKernel(x.ctx, x.data, args);
  const held = new Tensor(x.ctx, mask);
  return record('dropout', output, [x], (g) => [dropoutBackward(x.ctx, g, held.data, { p: args.p })]);
}

// logits: (N, C), labels: (N) u32 -> () for mean/sum, (N) for none
/** PyTorch's F.cross_entropy (log-softmax + NLL fused in one kernel, label smoothing optional). */
export function crossEntropy(logits: Tensor, labels: Labels, options: CrossEntropyOptions = {}): Tensor {
  const ctx = logits.ctx;
  const loss = crossEntropyKernel(ctx, logits.data, labels, options);
  return record('crossEntropy', loss, [logits], (g) => [crossEntropyBackward(ctx, logits.data, labels, g, options)]);
}
