// conv2d backward to the input, as a gather: one invocation per input element sums every
// output that read it, so no atomics and a fixed summation order (deterministic).
//   gradInput[b, ci, ih, iw] = sum_{co, kh, kw} gradOutput[b, co, oh, ow] * weight[co, ci, kh, kw]
//   over oh = (ih + pH - kh*dH) / sH and ow = (iw + pW - kw*dW) / sW where the division is
//   exact and the result lies inside (H', W'): with stride > 1 most taps hit no output.
// Bindings: gradOutput (B, Cout, H', W'), weight (Cout, Cin, kH, kW), gradInput (B, Cin, H, W).
// Dispatch: 1-D over size = B*Cin*H*W, spread over x and y by dispatch1d.
override WG: u32 = 64u;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let iw = i % params.inWidth;
  let ih = (i / params.inWidth) % params.inHeight;
  let ci = (i / (params.inWidth * params.inHeight)) % params.inChannels;
  let b = i / (params.inWidth * params.inHeight * params.inChannels);
  let plane = params.outHeight * params.outWidth;
  let taps = params.kernelH * params.kernelW;
  var acc = 0.0;
  for (var kh = 0u; kh < params.kernelH; kh++) {
    let nh = i32(ih + params.padH) - i32(kh * params.dilationH);
    if (nh < 0 || u32(nh) % params.strideH != 0u) { continue; }
    let oh = u32(nh) / params.strideH;
    if (oh >= params.outHeight) { continue; }
    for (var kw = 0u; kw < params.kernelW; kw++) {
      let nw = i32(iw + params.padW) - i32(kw * params.dilationW);
      if (nw < 0 || u32(nw) % params.strideW != 0u) { continue; }
      let ow = u32(nw) / params.strideW;
      if (ow >= params.outWidth) { continue; }
      let pix = oh * params.outWidth + ow;
      let tap = kh * params.kernelW + kw;
      for (var co = 0u; co < params.outChannels; co++) {
        acc += gradOutput[(b * params.outChannels + co) * plane + pix] * weight[(co * params.inChannels + ci) * taps + tap];
      }
    }
  }
  gradInput[i] = acc;
}
