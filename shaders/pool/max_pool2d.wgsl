// max_pool2d forward, NCHW, implicit -infinity padding, floor output size (ceil_mode False):
//   y[b, c, oh, ow] = max over the window x[b, c, oh*sH - pH + kh, ow*sW - pW + kw]
//   indices[b, c, oh, ow] = ih * W + iw of the maximum, flat within its (H, W) plane as PyTorch
// returns it. Ties go to the first maximal element in row-major window order (PyTorch).
// Bindings: x (B, C, H, W), y (B, C, H', W'), indices (B, C, H', W') u32.
// Dispatch: (ceil(H' * runs / WG), B*C, 1) with runs = ceil(W' / ITEMS): workgroup y is the plane
// b*C + c, and each invocation computes a run of ITEMS consecutive outputs of one row, so the
// divisions that locate it are paid once per run rather than per output.
override WG: u32 = 64u;
override ITEMS: u32 = 4u;

struct Params {
  inHeight: u32, inWidth: u32, outHeight: u32, outWidth: u32, runs: u32,
  kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x * WG + lid;
  if (r >= params.outHeight * params.runs) { return; }
  let oh = r / params.runs;
  let ow0 = (r - oh * params.runs) * ITEMS;
  let xPlane = wid.y * params.inHeight * params.inWidth;
  let yRow = (wid.y * params.outHeight + oh) * params.outWidth;
  // The window's first element inside the input (padding never wins: it is -infinity).
  let h0 = max(i32(oh * params.strideH) - i32(params.padH), 0);
  for (var k = 0u; k < ITEMS; k++) {
    let ow = ow0 + k;
    if (ow >= params.outWidth) { break; }
    let w0 = max(i32(ow * params.strideW) - i32(params.padW), 0);
    var best = u32(h0) * params.inWidth + u32(w0);
    var bestValue = x[xPlane + best];
    // Loops over the whole kernel, the same count for every lane (lavapipe runs loops with
    // per-lane trip counts under masks); positions in the padding are skipped by `inside`.
    for (var kh = 0u; kh < params.kernelH; kh++) {
      let ih = i32(oh * params.strideH + kh) - i32(params.padH);
      for (var kw = 0u; kw < params.kernelW; kw++) {
        let iw = i32(ow * params.strideW + kw) - i32(params.padW);
        let inside = ih >= 0 && ih < i32(params.inHeight) && iw >= 0 && iw < i32(params.inWidth);
        let row = u32(clamp(ih, 0, i32(params.inHeight) - 1));
        let at = row * params.inWidth + u32(clamp(iw, 0, i32(params.inWidth) - 1));
        let v = x[xPlane + at];
        // Strictly greater: an equal value later in the window does not replace the first.
        if (inside && v > bestValue) {
          bestValue = v;
          best = at;
        }
      }
    }
    y[yRow + ow] = bestValue;
    indices[yRow + ow] = best;
  }
}
