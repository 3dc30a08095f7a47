/**
 * CPU reference of the GRU layer (torch.nn.GRU, batch_first, gates r, z, n, h0 = 0) and its
 * backward through time, in float64 with plain loops: the oracle for the GPU kernels.
 */

/** One direction's parameters, row-major as PyTorch stores them. */
export interface GruReferenceWeights {
  /** (3H, I) */
  readonly weightIh: ArrayLike<number>;
  /** (3H, H) */
  readonly weightHh: ArrayLike<number>;
  /** (3H) */
  readonly biasIh: ArrayLike<number>;
  /** (3H) */
  readonly biasHh: ArrayLike<number>;
}

/** (B, T, I, H) */
export type GruDims = readonly [number, number, number, number];

export interface GruReferenceResult {
  /** (B, T, D*H) */
  readonly output: Float64Array;
  /** (D, B, H) */
  readonly hidden: Float64Array;
}

export interface GruReferenceGrads {
  /** (B, T, I) */
  readonly gradInput: Float64Array;
  /** Per direction: gradWeightIh (3H, I), gradWeightHh (3H, H), gradBiasIh, gradBiasHh (3H). */
  readonly gradWeights: readonly { gradWeightIh: Float64Array; gradWeightHh: Float64Array; gradBiasIh: Float64Array; gradBiasHh: Float64Array }[];
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** What one step computed, per (b, j): the gates and the hidden state it started from. */
interface Step {
  readonly hPrev: Float64Array; // (B, H)
  readonly r: Float64Array;
  readonly z: Float64Array;
  readonly n: Float64Array;
  readonly hn: Float64Array; // W_hn h + b_hn
}

// x: (B, T, I) -> output (B, T, D*H), hidden (D, B, H)
export function gruReference(x: ArrayLike<number>, dims: GruDims, directions: readonly GruReferenceWeights[]): GruReferenceResult {
  const [batch, seqLen, , hidden] = dims;
  const dirs = directions.length;
  const output = new Float64Array(batch * seqLen * dirs * hidden);
  const last = new Float64Array(dirs * batch * hidden);
  directions.forEach((w, d) => {
    const steps = runDirection(x, dims, w, d === 1);
    steps.forEach((step, t) => {
      const h = nextHidden(step);
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < hidden; j++) output[(b * seqLen + t) * dirs * hidden + d * hidden + j] = h[b * hidden + j];
      }
    });
    const finalStep = steps[d === 1 ? 0 : seqLen - 1];
    if (finalStep) last.set(nextHidden(finalStep), d * batch * hidden);
  });
  return { output, hidden: last };
}

/** Gradients of gruReference's output given gradOutput (B, T, D*H); the final hidden gets none. */
export function gruBackwardReference(x: ArrayLike<number>, dims: GruDims, directions: readonly GruReferenceWeights[], gradOutput: ArrayLike<number>): GruReferenceGrads {
  const [batch, seqLen, input, hidden] = dims;
  const dirs = directions.length;
  const gradInput = new Float64Array(batch * seqLen * input);
  const gradWeights = directions.map((w, d) => {
    const reverse = d === 1;
    const steps = runDirection(x, dims, w, reverse);
    const gradWeightIh = new Float64Array(3 * hidden * input);
    const gradWeightHh = new Float64Array(3 * hidden * hidden);
    const gradBiasIh = new Float64Array(3 * hidden);
    const gradBiasHh = new Float64Array(3 * hidden);
    // carry: the gradient reaching h_t from the steps after it (in this direction's order).
    let carry: Float64Array = new Float64Array(batch * hidden);
    const order = [...Array(seqLen).keys()];
    if (!reverse) order.reverse();
    for (const t of order) {
      const { hPrev, r, z, n, hn } = steps[t];
      const next = new Float64Array(batch * hidden);
      for (let b = 0; b < batch; b++) {
        const xt = (b * seqLen + t) * input;
        for (let j = 0; j < hidden; j++) {
          const k = b * hidden + j;
          const dh = gradOutput[(b * seqLen + t) * dirs * hidden + d * hidden + j] + carry[k];
          // h = (1 - z) n + z hPrev
          const daN = dh * (1 - z[k]) * (1 - n[k] * n[k]);
          const daZ = dh * (hPrev[k] - n[k]) * z[k] * (1 - z[k]);
          const daR = daN * hn[k] * r[k] * (1 - r[k]);
          const gx = [daR, daZ, daN];
          const gh = [daR, daZ, daN * r[k]];
          next[k] += dh * z[k];
          for (let g = 0; g < 3; g++) {
            const row = g * hidden + j;
            gradBiasIh[row] += gx[g];
            gradBiasHh[row] += gh[g];
            for (let i = 0; i < input; i++) {
              gradWeightIh[row * input + i] += gx[g] * x[xt + i];
              gradInput[xt + i] += gx[g] * w.weightIh[row * input + i];
            }
            for (let m = 0; m < hidden; m++) {
              gradWeightHh[row * hidden + m] += gh[g] * hPrev[b * hidden + m];
              next[b * hidden + m] += gh[g] * w.weightHh[row * hidden + m];
            }
          }
        }
      }
      carry = next;
    }
    return { gradWeightIh, gradWeightHh, gradBiasIh, gradBiasHh };
  });
  return { gradInput, gradWeights };
}

/** Runs one direction over the sequence; steps[t] describes time index t. */
function runDirection(x: ArrayLike<number>, dims: GruDims, w: GruReferenceWeights, reverse: boolean): Step[] {
  const [batch, seqLen, input, hidden] = dims;
  const steps: Step[] = new Array(seqLen);
  let h: Float64Array = new Float64Array(batch * hidden);
  for (let s = 0; s < seqLen; s++) {
    const t = reverse ? seqLen - 1 - s : s;
    const step: Step = {
      hPrev: h, r: new Float64Array(batch * hidden), z: new Float64Array(batch * hidden), n: new Float64Array(batch * hidden), hn: new Float64Array(batch * hidden),
    };
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < hidden; j++) {
        // a[g] = W_ig x_t + b_ig, c[g] = W_hg h + b_hg
        const a = [0, 1, 2].map((g) => {
          let s2 = w.biasIh[g * hidden + j];
          for (let i = 0; i < input; i++) s2 += w.weightIh[(g * hidden + j) * input + i] * x[(b * seqLen + t) * input + i];
          return s2;
        });
        const c = [0, 1, 2].map((g) => {
          let s2 = w.biasHh[g * hidden + j];
          for (let m = 0; m < hidden; m++) s2 += w.weightHh[(g * hidden + j) * hidden + m] * h[b * hidden + m];
          return s2;
        });
        const k = b * hidden + j;
        step.r[k] = sigmoid(a[0] + c[0]);
        step.z[k] = sigmoid(a[1] + c[1]);
        step.hn[k] = c[2];
        step.n[k] = Math.tanh(a[2] + step.r[k] * c[2]);
      }
    }
    steps[t] = step;
    h = nextHidden(step);
  }
  return steps;
}

/** h' = (1 - z) n + z h */
function nextHidden(step: Step): Float64Array {
  const h = new Float64Array(step.r.length);
  for (let k = 0; k < h.length; k++) h[k] = (1 - step.z[k]) * step.n[k] + step.z[k] * step.hPrev[k];
  return h;
}
