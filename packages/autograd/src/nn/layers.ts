/** The layers: Linear, Conv2d, MaxPool2d, BatchNorm2d, ReLU, Dropout, Flatten, Sequential. */
import type { GpuContext } from '@duet/gpu';
import { relu } from '../ops/elementwise';
import { linear } from '../ops/linalg';
import { batchNorm2d, conv2d, dropout, maxPool2d } from '../ops/nn';
import type { MaxPool2dOptions } from '../kernels';
import { flatten } from '../ops/shape';
import { Rng } from '../random';
import type { Tensor } from '../tensor';
import { fanIn, kaimingUniform, uniform } from './init';
import { Module } from './module';

export interface InitOptions {
  /** Where the initial weights come from (default: a generator seeded with 0). */
  readonly rng?: Rng;
  /** Default true. */
  readonly bias?: boolean;
}

// x: (..., in) -> (..., out)
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(ctx: GpuContext, readonly inFeatures: number, readonly outFeatures: number, options: InitOptions = {}) {
    super(ctx);
    const rng = options.rng ?? new Rng(0);
    const shape = [outFeatures, inFeatures];
    this.weight = this.parameter('weight', kaimingUniform(rng, shape), shape);
    this.bias = options.bias === false ? null : this.parameter('bias', uniform(rng, outFeatures, 1 / Math.sqrt(fanIn(shape))), [outFeatures]);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias ?? undefined);
  }

  /** relu(forward(x)) in one kernel. */
  forwardRelu(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias ?? undefined, { activation: 'relu' });
  }
}

export interface Conv2dLayerOptions extends InitOptions {
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
}

// x: (B, Cin, H, W) -> (B, Cout, H', W')
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(ctx: GpuContext, readonly inChannels: number, readonly outChannels: number, kernelSize: number | readonly [number, number], readonly options: Conv2dLayerOptions = {}) {
    super(ctx);
    const rng = options.rng ?? new Rng(0);
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const shape = [outChannels, inChannels, kh, kw];
    this.weight = this.parameter('weight', kaimingUniform(rng, shape), shape);
    this.bias = options.bias === false ? null : this.parameter('bias', uniform(rng, outChannels, 1 / Math.sqrt(fanIn(shape))), [outChannels]);
  }

  forward(x: Tensor): Tensor {
    return this.apply(x, false);
  }

  /** relu(forward(x)) in one kernel. */
  forwardRelu(x: Tensor): Tensor {
    return this.apply(x, true);
  }

  private apply(x: Tensor, relu: boolean): Tensor {
    const { stride, padding, dilation } = this.options;
    return conv2d(x, this.weight, this.bias ?? undefined, { stride, padding, dilation, relu });
  }
}

// x: (B, C, H, W) -> (B, C, H', W'); stride defaults to the kernel size
export class MaxPool2d extends Module {
  readonly options: MaxPool2dOptions;

  constructor(ctx: GpuContext, kernelSize: MaxPool2dOptions['kernelSize'], options: Omit<MaxPool2dOptions, 'kernelSize'> = {}) {
    super(ctx);
    this.options = { ...options, kernelSize };
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }
}

export interface BatchNorm2dOptions {
  readonly eps?: number;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  readonly momentum?: number;
}

// x: (B, C, H, W) -> (B, C, H, W)
/**
 * State dict: weight, bias, running_mean, running_var. NOTE: PyTorch also stores
 * num_batches_tracked (int64), used only when momentum is None; it is not kept here, so load
 * PyTorch state dicts with it removed (the safetensors reader takes F32 only).
 */
export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;

  constructor(ctx: GpuContext, readonly numFeatures: number, readonly options: BatchNorm2dOptions = {}) {
    super(ctx);
    const ones = new Float32Array(numFeatures).fill(1);
    this.weight = this.parameter('weight', ones, [numFeatures]);
    this.bias = this.parameter('bias', new Float32Array(numFeatures), [numFeatures]);
    this.runningMean = this.buffer('running_mean', new Float32Array(numFeatures), [numFeatures]);
    this.runningVar = this.buffer('running_var', ones, [numFeatures]);
  }

  forward(x: Tensor): Tensor {
    return batchNorm2d(x, this.weight, this.bias, this.runningMean.data, this.runningVar.data, { training: this.training, ...this.options });
  }
}

// x: (...) -> (...)
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

// x: (B, ...) -> (B, prod(...)) with startDim 1
export class Flatten extends Module {
  constructor(ctx: GpuContext, readonly startDim = 1) {
    super(ctx);
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim);
  }
}

// x: (...) -> (...); identity in eval mode
/** Each training call draws a new mask: (seed, calls) feed the counter-based RNG. */
export class Dropout extends Module {
  /** Forward calls in training mode so far: the RNG counter (save it to resume exactly). */
  calls = 0;
  readonly seed: number;

  constructor(ctx: GpuContext, readonly p = 0.5, options: { rng?: Rng } = {}) {
    super(ctx);
    this.seed = (options.rng ?? new Rng(0)).nextUint32();
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, { p: this.p, seed: this.seed, step: this.calls++ });
  }
}

/** Modules applied in order, named '0', '1', … as in torch.nn.Sequential. */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(ctx: GpuContext, ...layers: Module[]) {
    super(ctx);
    this.layers = layers;
    layers.forEach((m, i) => this.child(String(i), m));
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      // Linear/Conv2d followed by ReLU: one fused kernel, the ReLU is skipped.
      if ((layer instanceof Linear || layer instanceof Conv2d) && this.layers[i + 1] instanceof ReLU) {
        y = layer.forwardRelu(y);
        i++;
      } else {
        y = layer.forward(y);
      }
    }
    return y;
  }
}
