/**
 * checkFinite: sets bit `bit` of flags[slot] when any element of x is NaN or +-Inf, on the
 * GPU, so a training step can check its loss and gradients without a readback; the host reads
 * the flags with the metrics (issue 8, part 3). Not differentiable: it is a check, not a value.
 */
import { dispatch1d, type GpuContext } from '@duet/gpu';
import source from '@duet/shaders/reduce/check_finite.wgsl';
import { numel, type GpuArray } from '../../array';
import type { OpDef } from '../../op';

const WG = 256;

// x: (any) f32, flags: (slots,) u32 -> flags[slot] |= bit when x holds a non-finite value
export function checkFinite(ctx: GpuContext, x: GpuArray, flags: GpuArray, slot: number, bit: number): void {
  if (x.dtype !== 'f32' || flags.dtype !== 'u32') throw new Error(`checkFinite: x must be f32 and flags u32 (got ${x.dtype}, ${flags.dtype})`);
  if (!(Number.isInteger(slot) && slot >= 0 && slot < numel(flags))) throw new Error(`checkFinite: slot ${slot} is outside flags (${numel(flags)})`);
  if (!(Number.isInteger(bit) && bit > 0 && bit <= 0xffffffff)) throw new Error(`checkFinite: bit ${bit} is not a non-zero u32`);
  const size = numel(x);
  if (size === 0) return;
  const kernel = ctx.kernel({ name: 'check_finite', source, overrides: { WG } });
  ctx.dispatch(kernel, { x: x.buffer, flags: flags.buffer }, { size, slot, bit }, dispatch1d(size, WG, ctx.limits.maxComputeWorkgroupsPerDimension));
}

export const checkFiniteOp: OpDef = {
  name: 'check_finite',
  shaders: ['reduce/check_finite.wgsl'],
  differentiable: 'a check that sets flags for the host; it computes no value to differentiate',
  tolerance: { atol: 0, rtol: 0 },
};
