/** CPU reference of checkFinite: the flags after OR-ing `bit` into flags[slot] when x holds NaN or +-Inf. */
export function checkFiniteReference(x: ArrayLike<number>, flags: ArrayLike<number>, slot: number, bit: number): Uint32Array {
  const out = Uint32Array.from(flags);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      out[slot] |= bit;
      break;
    }
  }
  return out;
}
