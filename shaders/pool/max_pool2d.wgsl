// max_pool2d forward, NCHW, implicit -infinity padding, floor output size (ceil_mode False):
//   y[b, c, oh, ow] = max over the window x[b, c, oh*sH - pH + kh, ow*sW - pW + kw]
//   indices[b, c, oh, ow] = ih * W + iw of the maximum, flat within its (H, W) plane as PyTorch
// returns it. Ties go to the first maximal element in row-major window order (PyTorch).
// Bindings: x (B, C, H, W), y (B, C, H', W'), indices (B, C, H', W') u32.
// Dispatch: 1-D over size = B*C*H'*W', spread over x and y by dispatch1d.
override WG: u32 = 64u;

struct Params {
  size: u32, inHeight: u32, inWidth: u32, outHeight: u32, outWidth: u32,
  kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let ow = i % params.outWidth;
  let oh = (i / params.outWidth) % params.outHeight;
  let plane = i / (params.outWidth * params.outHeight);
  let xPlane = plane * params.inHeight * params.inWidth;
  // The window clipped to the input; padding never wins (it is -infinity).
  let h0 = max(i32(oh * params.strideH) - i32(params.padH), 0);
  let w0 = max(i32(ow * params.strideW) - i32(params.padW), 0);
  let h1 = min(i32(oh * params.strideH + params.kernelH) - i32(params.padH), i32(params.inHeight));
  let w1 = min(i32(ow * params.strideW + params.kernelW) - i32(params.padW), i32(params.inWidth));
  var best = u32(h0) * params.inWidth + u32(w0);
  var bestValue = x[xPlane + best];
  for (var ih = h0; ih < h1; ih++) {
    for (var iw = w0; iw < w1; iw++) {
      let at = u32(ih) * params.inWidth + u32(iw);
      let v = x[xPlane + at];
      // Strictly greater: an equal value later in the window does not replace the first.
      if (v > bestValue) {
        bestValue = v;
        best = at;
      }
    }
  }
  y[i] = bestValue;
  indices[i] = best;
}
