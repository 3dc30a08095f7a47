/**
 * CPU reference of conv2d (NCHW, zero padding, stride, dilation) and its gradients, in float64:
 * the oracle for every GPU variant. Plain loops, never optimised.
 */

/** Geometry of one conv2d call; output sizes follow PyTorch's formula. */
export interface Conv2dGeometry {
  readonly batch: number;
  readonly inChannels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outChannels: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
}

/** H' = floor((H + 2p - d (k - 1) - 1) / s) + 1, as torch.nn.Conv2d documents. */
export function convOutSize(size: number, kernel: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function outHeightOf(g: Conv2dGeometry): number {
  return convOutSize(g.inHeight, g.kernelH, g.strideH, g.padH, g.dilationH);
}

export function outWidthOf(g: Conv2dGeometry): number {
  return convOutSize(g.inWidth, g.kernelW, g.strideW, g.padW, g.dilationW);
}

/**
 * Calls `visit(xIndex, wIndex, yIndex, co)` for every (input, weight, output) triple that
 * contributes a product: the single definition of the convolution's index maths.
 */
function forEachTap(g: Conv2dGeometry, visit: (xi: number, wi: number, yi: number, co: number) => void): void {
  const oh = outHeightOf(g);
  const ow = outWidthOf(g);
  for (let b = 0; b < g.batch; b++)
    for (let co = 0; co < g.outChannels; co++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) {
          const yi = ((b * g.outChannels + co) * oh + y) * ow + x;
          for (let ci = 0; ci < g.inChannels; ci++)
            for (let kh = 0; kh < g.kernelH; kh++) {
              const ih = y * g.strideH - g.padH + kh * g.dilationH;
              if (ih < 0 || ih >= g.inHeight) continue;
              for (let kw = 0; kw < g.kernelW; kw++) {
                const iw = x * g.strideW - g.padW + kw * g.dilationW;
                if (iw < 0 || iw >= g.inWidth) continue;
                const xi = ((b * g.inChannels + ci) * g.inHeight + ih) * g.inWidth + iw;
                const wi = ((co * g.inChannels + ci) * g.kernelH + kh) * g.kernelW + kw;
                visit(xi, wi, yi, co);
              }
            }
        }
}

/** x: (B, Cin, H, W), weight: (Cout, Cin, kH, kW), bias: (Cout) -> (B, Cout, H', W'). */
export function conv2dReference(
  g: Conv2dGeometry,
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | null = null,
  relu = false,
): Float64Array {
  const plane = outHeightOf(g) * outWidthOf(g);
  const y = new Float64Array(g.batch * g.outChannels * plane);
  forEachTap(g, (xi, wi, yi) => {
    y[yi] += x[xi] * weight[wi];
  });
  for (let i = 0; i < y.length; i++) {
    if (bias) y[i] += bias[Math.floor(i / plane) % g.outChannels];
    if (relu) y[i] = Math.max(y[i], 0);
  }
  return y;
}

/** gradOutput: (B, Cout, H', W'), weight -> gradInput: (B, Cin, H, W). */
export function conv2dBackwardInputReference(g: Conv2dGeometry, gradOutput: ArrayLike<number>, weight: ArrayLike<number>): Float64Array {
  const gradInput = new Float64Array(g.batch * g.inChannels * g.inHeight * g.inWidth);
  forEachTap(g, (xi, wi, yi) => {
    gradInput[xi] += gradOutput[yi] * weight[wi];
  });
  return gradInput;
}

/** gradOutput: (B, Cout, H', W'), x -> gradWeight: (Cout, Cin, kH, kW). */
export function conv2dBackwardWeightReference(g: Conv2dGeometry, gradOutput: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const gradWeight = new Float64Array(g.outChannels * g.inChannels * g.kernelH * g.kernelW);
  forEachTap(g, (xi, wi, yi) => {
    gradWeight[wi] += gradOutput[yi] * x[xi];
  });
  return gradWeight;
}

/** gradOutput: (B, Cout, H', W') -> gradBias: (Cout), the sum over B, H', W'. */
export function conv2dBackwardBiasReference(g: Conv2dGeometry, gradOutput: ArrayLike<number>): Float64Array {
  const plane = outHeightOf(g) * outWidthOf(g);
  const gradBias = new Float64Array(g.outChannels);
  for (let i = 0; i < gradOutput.length; i++) gradBias[Math.floor(i / plane) % g.outChannels] += gradOutput[i];
  return gradBias;
}
