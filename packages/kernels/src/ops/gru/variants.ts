/**
 * Which GRU recurrence runs: both compute the same maths into the same buffers.
 * - step: one dispatch per time step over all (b, j); parallel over B*H, T dispatches (each a
 *   launch, a bind group and a uniform) per direction.
 * - sequence: one dispatch per direction, one workgroup per batch row walking its own T steps
 *   with a storage barrier between them; parallel over B workgroups only, no per-step launches.
 * The choice is measured per adapter and shape class (tuneGru) and remembered in ctx.tuning;
 * without a measurement the default holds (see defaultGruVariant).
 */
import type { GpuContext } from '@duet/gpu';

export type GruVariant = 'step' | 'sequence';
export const GRU_VARIANTS: readonly GruVariant[] = ['step', 'sequence'];

export interface GruShape {
  readonly batch: number;
  readonly seqLen: number;
  readonly hiddenSize: number;
}

/**
 * The tuning class of a shape: batch rows, steps and hidden units each rounded to a power of 2,
 * since the step variant's cost follows T and the parallelism of both follows B and H.
 */
export function gruShapeClass(shape: GruShape): string {
  const p2 = (n: number) => Math.round(Math.log2(Math.max(1, n)));
  return `b2^${p2(shape.batch)}t2^${p2(shape.seqLen)}h2^${p2(shape.hiddenSize)}`;
}

/**
 * Without a measurement: step. On lavapipe (2 shared cores, forward + backward, one direction)
 * step won from B*H ~ 256 up (B=32, T=100, I=64, H=128: 0.5 + 1.0 s against 3.5 + 5.7 s; the
 * sequence kernel's barriers cost more than the launches they save), tied near B=1, H=128, and
 * lost only on tiny rows (B=1, T=100, H=8: 10 ms against 2 ms). tuneGru finds those cases.
 */
export function defaultGruVariant(_ctx: GpuContext): GruVariant {
  return 'step';
}

const tuningKey = (shape: GruShape): string => `gru:${gruShapeClass(shape)}`;

/** The variant gru() runs for `shape`: the tuned choice if one was stored, else the default. */
export function gruVariantFor(ctx: GpuContext, shape: GruShape): GruVariant {
  const stored = ctx.chosen(tuningKey(shape));
  return stored !== undefined && (GRU_VARIANTS as readonly string[]).includes(stored) ? (stored as GruVariant) : defaultGruVariant(ctx);
}

/**
 * Times each variant on `shape` (ctx.timeBest of `record`, which records one forward and
 * backward of that shape) and remembers the fastest.
 */
export async function chooseGruVariant(ctx: GpuContext, shape: GruShape, record: (variant: GruVariant) => void): Promise<GruVariant> {
  const first = defaultGruVariant(ctx);
  const candidates = [first, ...GRU_VARIANTS.filter((v) => v !== first)];
  return ctx.choose(tuningKey(shape), candidates, (variant) => ctx.timeBest(() => record(variant), ctx.flags.tuneRepetitions));
}
