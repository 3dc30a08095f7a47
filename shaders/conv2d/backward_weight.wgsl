// conv2d backward to the weight, direct: one invocation per weight element sums over B, H', W'
// in a fixed order (deterministic, no atomics).
//   gradWeight[co, ci, kh, kw] = sum_{b, oh, ow} gradOutput[b, co, oh, ow]
//                                 * x[b, ci, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW]
// Bindings: gradOutput (B, Cout, H', W'), x (B, Cin, H, W), gradWeight (Cout, Cin, kH, kW).
// Dispatch: 1-D over size = Cout*Cin*kH*kW, spread over x and y by dispatch1d.
override WG: u32 = 64u;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradWeight: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let kw = i % params.kernelW;
  let kh = (i / params.kernelW) % params.kernelH;
  let ci = (i / (params.kernelW * params.kernelH)) % params.inChannels;
  let co = i / (params.kernelW * params.kernelH * params.inChannels);
  let plane = params.outHeight * params.outWidth;
  var acc = 0.0;
  for (var b = 0u; b < params.batch; b++) {
    let goPlane = (b * params.outChannels + co) * plane;
    let xPlane = (b * params.inChannels + ci) * params.inHeight;
    for (var oh = 0u; oh < params.outHeight; oh++) {
      let ih = i32(oh * params.strideH + kh * params.dilationH) - i32(params.padH);
      if (ih < 0 || ih >= i32(params.inHeight)) { continue; }
      let xRow = (xPlane + u32(ih)) * params.inWidth;
      for (var ow = 0u; ow < params.outWidth; ow++) {
        let iw = i32(ow * params.strideW + kw * params.dilationW) - i32(params.padW);
        if (iw < 0 || iw >= i32(params.inWidth)) { continue; }
        acc += gradOutput[goPlane + oh * params.outWidth + ow] * x[xRow + u32(iw)];
      }
    }
  }
  gradWeight[i] = acc;
}
