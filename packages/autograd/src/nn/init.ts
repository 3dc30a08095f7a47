/**
 * PyTorch's default initialisation, from a seeded Rng (values differ from torch's generator;
 * the distributions are the same).
 * Weights: kaiming_uniform_(a = sqrt(5)), i.e. U(-b, b) with b = gain * sqrt(3 / fanIn),
 * gain = sqrt(2 / (1 + a^2)), which is b = 1 / sqrt(fanIn). Biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
import type { Rng } from '../random';

/** fanIn of a weight shaped (out, in) or (Cout, Cin, kH, kW): every dim but the first. */
export function fanIn(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** torch.nn.init.kaiming_uniform_(w, a) with mode fan_in and the leaky_relu gain. */
export function kaimingUniform(rng: Rng, shape: readonly number[], a = Math.sqrt(5)): Float32Array {
  const gain = Math.sqrt(2 / (1 + a * a));
  return uniform(rng, shape.reduce((x, y) => x * y, 1), gain * Math.sqrt(3 / fanIn(shape)));
}

/** n values from U(-bound, bound). */
export function uniform(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}
