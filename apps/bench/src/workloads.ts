/**
 * The work every impl runs, named once: matmul sizes, the conv2d layers of the models Duet
 * trains, and the training workloads (model, batch, optimizer) that each peer re-implements.
 */

/** Square matmul sizes; 2048 is left out of --quick. */
export const MATMUL_SIZES = [256, 512, 1024, 2048] as const;

export function matmulSizes(quick: boolean): number[] {
  return MATMUL_SIZES.filter((n) => !quick || n < 2048);
}

/** The matmuls of the models' dense layers, at their training batch: (m, k) @ (k, n). */
export const MODEL_MATMULS: readonly { readonly name: string; readonly shape: { m: number; n: number; k: number } }[] = [
  { name: 'matmul-32x760x10', shape: { m: 32, k: 760, n: 10 } }, // lab-cnn Linear(760, 10)
  { name: 'matmul-64x9216x128', shape: { m: 64, k: 9216, n: 128 } }, // MNIST CNN dense 128
];

export interface ConvLayer {
  readonly name: string;
  /** (B, Cin, H, W) at the model's training batch size. */
  readonly x: [number, number, number, number];
  /** (Cout, Cin, kH, kW). */
  readonly weight: [number, number, number, number];
  readonly stride?: number;
}

/** lab-cnn: Conv2d(1,10,7,s3) then Conv2d(10,10,5,s2), batch 32, on 241 frames and on 41 (1 s at 8 kHz); MNIST CNN, batch 64. */
export const CONV_LAYERS: readonly ConvLayer[] = [
  { name: 'lab-cnn-conv1-241', x: [32, 1, 128, 241], weight: [10, 1, 7, 7], stride: 3 },
  { name: 'lab-cnn-conv2-241', x: [32, 10, 41, 79], weight: [10, 10, 5, 5], stride: 2 },
  { name: 'lab-cnn-conv1-41', x: [32, 1, 128, 41], weight: [10, 1, 7, 7], stride: 3 },
  { name: 'lab-cnn-conv2-41', x: [32, 10, 41, 12], weight: [10, 10, 5, 5], stride: 2 },
  { name: 'mnist-cnn-conv1', x: [64, 1, 28, 28], weight: [32, 1, 3, 3] },
  { name: 'mnist-cnn-conv2', x: [64, 32, 26, 26], weight: [64, 32, 3, 3] },
];

/**
 * A training workload, described so every framework builds the same network: the layers,
 * the input shape (C, H, W), the batch and the optimizer. Data is synthetic, of the real shape:
 * one fixed seeded batch with seeded labels, so the loss must fall over a few steps (the check).
 */
export interface TrainWorkload {
  readonly name: 'lab-cnn' | 'mnist-cnn';
  readonly input: readonly [number, number, number];
  readonly batch: number;
  readonly classes: number;
  readonly layers: readonly LayerSpec[];
  readonly optimizer: { readonly kind: 'sgd'; readonly lr: number; readonly momentum: number };
}

export type LayerSpec =
  | { readonly kind: 'conv2d'; readonly in: number; readonly out: number; readonly kernel: number; readonly stride: number }
  | { readonly kind: 'relu' }
  | { readonly kind: 'maxpool2d'; readonly kernel: number }
  | { readonly kind: 'flatten' }
  | { readonly kind: 'linear'; readonly in: number; readonly out: number };

/** lab-cnn on one second of 8 kHz audio: log-mel 1x128x41, batch 32. Flatten: 10 x 19 x 4 = 760. */
export const LAB_CNN: TrainWorkload = {
  name: 'lab-cnn',
  input: [1, 128, 41],
  batch: 32,
  classes: 10,
  layers: [
    { kind: 'conv2d', in: 1, out: 10, kernel: 7, stride: 3 },
    { kind: 'relu' },
    { kind: 'conv2d', in: 10, out: 10, kernel: 5, stride: 2 },
    { kind: 'relu' },
    { kind: 'flatten' },
    { kind: 'linear', in: 760, out: 10 },
  ],
  optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 },
};

/** The MNIST CNN: conv3x3 32, conv3x3 64, max-pool 2, dense 128, dense 10; batch 64. Flatten: 64 x 12 x 12. */
export const MNIST_CNN: TrainWorkload = {
  name: 'mnist-cnn',
  input: [1, 28, 28],
  batch: 64,
  classes: 10,
  layers: [
    { kind: 'conv2d', in: 1, out: 32, kernel: 3, stride: 1 },
    { kind: 'relu' },
    { kind: 'conv2d', in: 32, out: 64, kernel: 3, stride: 1 },
    { kind: 'relu' },
    { kind: 'maxpool2d', kernel: 2 },
    { kind: 'flatten' },
    { kind: 'linear', in: 9216, out: 128 },
    { kind: 'relu' },
    { kind: 'linear', in: 128, out: 10 },
  ],
  optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 },
};

export const TRAIN_WORKLOADS: readonly TrainWorkload[] = [LAB_CNN, MNIST_CNN];

/** The synthetic batch: inputs in [-1, 1) and labels 0..classes-1, seeded (same for every impl). */
export function syntheticBatch(w: { readonly batch: number; readonly input: readonly number[]; readonly classes: number }): { x: Float32Array; labels: Uint32Array } {
  const n = w.batch * w.input.reduce((p, d) => p * d, 1);
  let s = 12345;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2147483648 - 1;
  }
  const labels = new Uint32Array(w.batch);
  for (let i = 0; i < w.batch; i++) labels[i] = (i * 7 + 3) % w.classes;
  return { x, labels };
}

/**
 * One framework's training of a workload: built once, then stepped. `run(steps)` records and
 * submits that many steps and waits until the device has finished them (forcing lazy
 * frameworks), reading back nothing else; `loss()` evaluates the loss on the batch (checks only).
 */
export interface TrainSession {
  run(steps: number): Promise<void>;
  /**
   * Picks the kernels for the shapes the steps so far ran, as `duet train` does before its first
   * step (Duet: ctx.tunePending(), remembered per adapter on disk). Without it a session runs
   * whatever the disk's tuning store holds from earlier runs, or the untuned defaults.
   */
  tune?(): Promise<void>;
  loss(): Promise<number>;
  dispose(): void;
}

/** What the measurement needs of any workload: the row's name and the samples per step. */
export interface Workload {
  readonly name: string;
  readonly batch: number;
}

/** How an impl builds sessions. `backend` names where it runs, for the row. */
export interface Trainer<W extends Workload = TrainWorkload> {
  readonly impl: import('./types').Impl;
  readonly backend: string;
  create(w: W): Promise<TrainSession>;
  /** Called before each of this impl's turns (tfjs switches its global backend here). */
  activate?(): Promise<void>;
}
