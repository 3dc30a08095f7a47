/**
 * A small seeded generator (mulberry32: 32-bit state, full period 2^32) for initialisation and
 * shuffling. Its whole state is one integer, so a checkpoint can save and restore it exactly.
 */
export class Rng {
  private state: number;

  constructor(seed = 0) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A non-negative integer below 2^32 (seeds for dropout and children). */
  nextUint32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  getState(): number {
    return this.state;
  }

  setState(state: number): void {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) throw new Error(`Rng state must be a u32, got ${state}`);
    this.state = state;
  }
}
