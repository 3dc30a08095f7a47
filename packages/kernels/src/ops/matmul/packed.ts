/**
 * The packing step of the `packed` matmul variant: op(a) and op(b) copied into panels by
 * shaders/matmul/pack.wgsl, which shaders/matmul/packed.wgsl then streams (see its header for why).
 */
import type { GpuContext } from '@duet/gpu';
import packSource from '@duet/shaders/matmul/pack.wgsl';
import { empty, type GpuArray } from '../../array';
import { operandStrides, type MatmulShape } from './variants';

/** Rows of op(a) per panel and columns of op(b) per panel: ROWS and COLS of packed.wgsl. */
export const PACKED_A_ROWS = 32;
export const PACKED_B_COLS = 64;
/** Steps of K per iteration of packed.wgsl's loop: the panels' depth is K rounded up to a multiple. */
export const PACKED_K_STEP = 2;
const PACK_WG = 64;

/** The packed panels' depth for a product over k: k rounded up to PACKED_K_STEP. */
export function packedDepth(k: number): number {
  return Math.ceil(k / PACKED_K_STEP) * PACKED_K_STEP;
}

/**
 * packed (batch, ceil(width / pw), packedDepth(depth), pw) = op(x) (batch, depth, width) cut into
 * panels of pw columns, zero past `width` and `depth`;
 * op(x)[z, i, w] = x[z * depth * width + i * strideDepth + w * strideWidth].
 */
function pack(ctx: GpuContext, x: GpuArray, batch: number, width: number, depth: number, strideDepth: number, strideWidth: number, pw: number, label: string): GpuArray {
  const panels = Math.ceil(width / pw);
  const paddedDepth = packedDepth(depth);
  const packed = empty(ctx, [batch, panels, paddedDepth, pw], label);
  const kernel = ctx.kernel({ name: 'matmul/pack', source: packSource, overrides: { WG: PACK_WG, PW: pw } });
  const grid = [Math.ceil((paddedDepth * pw) / 4 / PACK_WG), panels, batch];
  ctx.dispatch(kernel, { x: x.buffer, packed: packed.buffer }, { width, depth, paddedDepth, strideDepth, strideWidth }, grid);
  return packed;
}

/**
 * op(a) (batch, M, K) as (batch, ceil(M / 32), K', 32) and op(b) (batch, K, N) as
 * (batch, ceil(N / 64), K', 64), K' = packedDepth(K), from a stored (…, M, K) or (…, K, M) when transposeA and b stored
 * (…, K, N) or (…, N, K) when transposeB. The caller frees both after its dispatch.
 */
export function packOperands(ctx: GpuContext, a: GpuArray, b: GpuArray, shape: Required<MatmulShape>, transposeA: boolean, transposeB: boolean): [GpuArray, GpuArray] {
  const { batch, m, n, k } = shape;
  const { aRow, aDepth, bDepth, bCol } = operandStrides(shape, transposeA, transposeB);
  // op(a)^T (K, M) is the panel view of op(a): depth K, width M.
  const packedA = pack(ctx, a, batch, m, k, aDepth, aRow, PACKED_A_ROWS, 'matmul.packedA');
  const packedB = pack(ctx, b, batch, n, k, bDepth, bCol, PACKED_B_COLS, 'matmul.packedB');
  return [packedA, packedB];
}
