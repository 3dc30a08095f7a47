import { GpuLimitError } from './errors';

/**
 * Workgroup count along one dimension for `size` invocations in groups of `workgroupSize`.
 * Throws with both numbers when the adapter's per-dimension limit would be exceeded.
 */
export function dispatchFor(size: number, workgroupSize: number, maxPerDimension = 65535, what = 'dispatch'): number {
  const groups = Math.ceil(size / workgroupSize);
  if (groups > maxPerDimension) {
    throw new GpuLimitError('maxComputeWorkgroupsPerDimension', groups, maxPerDimension, `${what} over ${size} items`);
  }
  return Math.max(1, groups);
}

/**
 * Spreads a 1-D invocation count over x and y when x alone would pass the per-dimension limit.
 * Kernels using it compute their linear index as `gid.x + gid.y * (numWorkgroups.x * WG)`.
 */
export function dispatch1d(size: number, workgroupSize: number, maxPerDimension = 65535): [number, number, number] {
  const groups = Math.max(1, Math.ceil(size / workgroupSize));
  if (groups <= maxPerDimension) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDimension);
  if (y > maxPerDimension) {
    throw new GpuLimitError('maxComputeWorkgroupsPerDimension', y, maxPerDimension, `a dispatch over ${size} items`);
  }
  return [Math.ceil(groups / y), y, 1];
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
