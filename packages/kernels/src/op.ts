/** What the registry knows about every op: the meta-test walks these. */
export interface Tolerance {
  /** Forward: |gpu - reference| <= atol + rtol * |reference|. */
  readonly atol: number;
  readonly rtol: number;
  /** Backward, same rule. */
  readonly gradAtol?: number;
  readonly gradRtol?: number;
}

export interface OpDef {
  /** PyTorch-style name: 'relu', 'matmul', 'conv2d', 'logSoftmax'… */
  readonly name: string;
  /** The .wgsl files this op owns, relative to shaders/ (each file is owned by exactly one op). */
  readonly shaders: readonly string[];
  /** true when the op has backward kernels; otherwise the reason it has none. */
  readonly differentiable: true | string;
  readonly tolerance: Tolerance;
}
