/**
 * Shared WGSL pieces. WGSL has no includes, so a shader that needs a shared function gets it
 * prepended here, before compilation and reflection (which see one module).
 */
import subgroupAccumulateSource from '@duet/shaders/conv2d/subgroup_accumulate.wgsl';
import crossEntropyRowSource from '@duet/shaders/cross_entropy/row_loss.wgsl';
import sgdUpdateSource from '@duet/shaders/optim/sgd_update.wgsl';
import philoxSource from '@duet/shaders/random/philox.wgsl';
import workgroupSumSource from '@duet/shaders/reduce/workgroup_sum.wgsl';

/** The shader with Philox4x32-10 (mulHiLo, philox) from shaders/random/philox.wgsl in front. */
export function withPhilox(source: string): string {
  return `${philoxSource}\n${source}`;
}

/** The shader with workgroupSum from shaders/reduce/workgroup_sum.wgsl in front (it declares WG and `partial`). */
export function withWorkgroupSum(source: string): string {
  return `${workgroupSumSource}\n${source}`;
}

/** The shader with rowLoss from shaders/cross_entropy/row_loss.wgsl in front (it declares params, logits, labels). */
export function withCrossEntropyRow(source: string): string {
  return `${crossEntropyRowSource}\n${source}`;
}

/** The shader with sgdUpdate from shaders/optim/sgd_update.wgsl in front (it declares params). */
export function withSgdUpdate(source: string): string {
  return `${sgdUpdateSource}\n${source}`;
}

/**
 * The shader with `accumulate` (a 16-row block's broadcast multiply-adds over an 8-wide subgroup)
 * from shaders/conv2d/subgroup_accumulate.wgsl in front (it enables subgroups and declares LANES,
 * ROWS, HI_ROWS and broadcastsHi).
 */
export function withSubgroupAccumulate(source: string): string {
  return `${subgroupAccumulateSource}\n${source}`;
}
