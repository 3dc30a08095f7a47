/** CPU reference of matmul and its backward, in float64 with plain loops: the oracle for the GPU kernels. */

/** Problem description shared by the forward and backward references. */
export interface MatmulProblem {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** a is stored (batch, K, M) instead of (batch, M, K). */
  readonly transposeA?: boolean;
  /** b is stored (batch, N, K) instead of (batch, K, N). */
  readonly transposeB?: boolean;
  readonly activation?: 'none' | 'relu';
}

/** Index of op(a)[z, row, i] in a's storage. */
function indexA(p: MatmulProblem, z: number, row: number, i: number): number {
  return z * p.m * p.k + (p.transposeA ? i * p.m + row : row * p.k + i);
}

/** Index of op(b)[z, i, col] in b's storage. */
function indexB(p: MatmulProblem, z: number, i: number, col: number): number {
  return z * p.k * p.n + (p.transposeB ? col * p.k + i : i * p.n + col);
}

/** c (batch, M, N) = act(op(a) @ op(b) + bias). */
export function matmulReference(p: MatmulProblem, a: ArrayLike<number>, b: ArrayLike<number>, bias?: ArrayLike<number>): Float64Array {
  const c = new Float64Array(p.batch * p.m * p.n);
  for (let z = 0; z < p.batch; z++) {
    for (let row = 0; row < p.m; row++) {
      for (let col = 0; col < p.n; col++) {
        let sum = bias ? bias[col] : 0;
        for (let i = 0; i < p.k; i++) sum += a[indexA(p, z, row, i)] * b[indexB(p, z, i, col)];
        c[(z * p.m + row) * p.n + col] = p.activation === 'relu' ? Math.max(sum, 0) : sum;
      }
    }
  }
  return c;
}

export interface MatmulReferenceGradients {
  readonly gradA: Float64Array;
  readonly gradB: Float64Array;
  readonly gradBias: Float64Array;
}

/**
 * Gradients of sum(c * gradOutput) with respect to a, b (in their stored layouts) and the bias.
 * `output` is the forward's c, whose sign masks gradOutput when a relu was fused (relu'(0) = 0).
 */
export function matmulBackwardReference(
  p: MatmulProblem,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  gradOutput: ArrayLike<number>,
  output: ArrayLike<number>,
): MatmulReferenceGradients {
  const gradA = new Float64Array(p.batch * p.m * p.k);
  const gradB = new Float64Array(p.batch * p.k * p.n);
  const gradBias = new Float64Array(p.n);
  for (let z = 0; z < p.batch; z++) {
    for (let row = 0; row < p.m; row++) {
      for (let col = 0; col < p.n; col++) {
        const at = (z * p.m + row) * p.n + col;
        const g = p.activation === 'relu' && !(output[at] > 0) ? 0 : gradOutput[at];
        gradBias[col] += g;
        for (let i = 0; i < p.k; i++) {
          gradA[indexA(p, z, row, i)] += g * b[indexB(p, z, i, col)];
          gradB[indexB(p, z, i, col)] += g * a[indexA(p, z, row, i)];
        }
      }
    }
  }
  return { gradA, gradB, gradBias };
}
