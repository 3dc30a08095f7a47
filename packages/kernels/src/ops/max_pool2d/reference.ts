/** CPU reference of max_pool2d (NCHW) and its backward: the oracle for the GPU kernels. */

export interface MaxPool2dGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
}

/** H' = floor((H + 2p - k) / s) + 1 (PyTorch, ceil_mode False, dilation 1). */
export function poolOutSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/**
 * x: (B, C, H, W) -> output, indices: (B, C, H', W'). indices are flat within each (H, W)
 * plane; ties go to the first maximal element in row-major window order, as in PyTorch.
 */
export function maxPool2dReference(g: MaxPool2dGeometry, x: ArrayLike<number>): { output: Float64Array; indices: Uint32Array } {
  const oh = poolOutSize(g.inHeight, g.kernelH, g.strideH, g.padH);
  const ow = poolOutSize(g.inWidth, g.kernelW, g.strideW, g.padW);
  const output = new Float64Array(g.batch * g.channels * oh * ow);
  const indices = new Uint32Array(output.length);
  for (let p = 0; p < g.batch * g.channels; p++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        let best = -Infinity;
        let at = -1;
        for (let kh = 0; kh < g.kernelH; kh++)
          for (let kw = 0; kw < g.kernelW; kw++) {
            const ih = y * g.strideH - g.padH + kh;
            const iw = xo * g.strideW - g.padW + kw;
            if (ih < 0 || ih >= g.inHeight || iw < 0 || iw >= g.inWidth) continue;
            const v = x[(p * g.inHeight + ih) * g.inWidth + iw];
            if (at < 0 || v > best) {
              best = v;
              at = ih * g.inWidth + iw;
            }
          }
        const o = (p * oh + y) * ow + xo;
        output[o] = best;
        indices[o] = at;
      }
  return { output, indices };
}

/** gradOutput, indices: (B, C, H', W') -> gradInput: (B, C, H, W), each gradient added at its argmax. */
export function maxPool2dBackwardReference(g: MaxPool2dGeometry, gradOutput: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const plane = g.inHeight * g.inWidth;
  const outPlane = gradOutput.length / (g.batch * g.channels);
  const gradInput = new Float64Array(g.batch * g.channels * plane);
  for (let o = 0; o < gradOutput.length; o++) gradInput[Math.floor(o / outPlane) * plane + indices[o]] += gradOutput[o];
  return gradInput;
}
