/** GRU: one recurrent layer as torch.nn.GRU(inputSize, hiddenSize, batch_first=True, bidirectional). */
import type { GpuContext } from '@duet/gpu';
import { gru, gruHidden, type GruParameters } from '../ops/gru';
import { Rng } from '../random';
import type { Tensor } from '../tensor';
import { uniform } from './init';
import { Module } from './module';

export interface GruLayerOptions {
  /** A second direction reading the sequence backwards; outputs side by side (B, T, 2H). Default false. */
  readonly bidirectional?: boolean;
  /** Where the initial weights come from (default: a generator seeded with 0). */
  readonly rng?: Rng;
}

// x: (B, T, I) -> (B, T, D*H), D = 2 when bidirectional
/**
 * Parameters named as PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then the
 * same with _reverse), all initialised as torch does: U(-1/sqrt(H), 1/sqrt(H)). h0 is zero.
 */
export class GRU extends Module {
  readonly directions: readonly GruParameters[];

  constructor(ctx: GpuContext, readonly inputSize: number, readonly hiddenSize: number, options: GruLayerOptions = {}) {
    super(ctx);
    const rng = options.rng ?? new Rng(0);
    const bound = 1 / Math.sqrt(hiddenSize);
    const suffixes = options.bidirectional ? ['', '_reverse'] : [''];
    const make = (name: string, shape: number[]): Tensor => this.parameter(name, uniform(rng, shape.reduce((a, b) => a * b, 1), bound), shape);
    this.directions = suffixes.map((s) => ({
      weightIh: make(`weight_ih_l0${s}`, [3 * hiddenSize, inputSize]),
      weightHh: make(`weight_hh_l0${s}`, [3 * hiddenSize, hiddenSize]),
      biasIh: make(`bias_ih_l0${s}`, [3 * hiddenSize]),
      biasHh: make(`bias_hh_l0${s}`, [3 * hiddenSize]),
    }));
  }

  get bidirectional(): boolean {
    return this.directions.length === 2;
  }

  forward(x: Tensor): Tensor {
    return gru(x, this.directions);
  }

  // x: (B, T, I) -> output (B, T, D*H), hidden (D, B, H)
  /** PyTorch's (output, h_n); both carry gradients. */
  forwardWithHidden(x: Tensor): { output: Tensor; hidden: Tensor } {
    const output = this.forward(x);
    return { output, hidden: gruHidden(output, this.hiddenSize) };
  }
}
