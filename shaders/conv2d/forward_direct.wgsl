// conv2d forward, direct: one invocation per output element, NCHW, zero padding.
//   y[b, co, oh, ow] = bias[co] + sum_{ci, kh, kw} x[b, ci, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW]
//                                                 * weight[co, ci, kh, kw]
// then max(., 0) when RELU. The readable baseline the tuned variants are checked against.
// Bindings: x (B, Cin, H, W), weight (Cout, Cin, kH, kW), bias (Cout; read only when HAS_BIAS,
// otherwise any 4-byte buffer), y (B, Cout, H', W').
// Dispatch: 1-D over size = B*Cout*H'*W', spread over x and y by dispatch1d.
override WG: u32 = 64u;
override HAS_BIAS: bool = false;
override RELU: bool = false;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let ow = i % params.outWidth;
  let oh = (i / params.outWidth) % params.outHeight;
  let co = (i / (params.outWidth * params.outHeight)) % params.outChannels;
  let b = i / (params.outWidth * params.outHeight * params.outChannels);
  let ih0 = i32(oh * params.strideH) - i32(params.padH);
  let iw0 = i32(ow * params.strideW) - i32(params.padW);
  let taps = params.kernelH * params.kernelW;
  var acc = 0.0;
  for (var ci = 0u; ci < params.inChannels; ci++) {
    let xPlane = (b * params.inChannels + ci) * params.inHeight;
    let wBase = (co * params.inChannels + ci) * taps;
    for (var kh = 0u; kh < params.kernelH; kh++) {
      let ih = ih0 + i32(kh * params.dilationH);
      if (ih < 0 || ih >= i32(params.inHeight)) { continue; }
      let xRow = (xPlane + u32(ih)) * params.inWidth;
      for (var kw = 0u; kw < params.kernelW; kw++) {
        let iw = iw0 + i32(kw * params.dilationW);
        if (iw < 0 || iw >= i32(params.inWidth)) { continue; }
        acc += x[xRow + u32(iw)] * weight[wBase + kh * params.kernelW + kw];
      }
    }
  }
  if (HAS_BIAS) { acc += bias[co]; }
  if (RELU) { acc = max(acc, 0.0); }
  y[i] = acc;
}
