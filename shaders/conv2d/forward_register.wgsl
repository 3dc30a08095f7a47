// conv2d forward, register-blocked, no barriers (the variant for CPU drivers such as lavapipe,
// where a workgroup barrier is expensive): each invocation computes CO_BLOCK output channels x
// PX_BLOCK consecutive output columns of one output row, so every loaded input value is used
// CO_BLOCK times and every weight PX_BLOCK times, from registers. Maths as forward_direct.wgsl.
// Bindings: x (B, Cin, H, W), weight (Cout, Cin, kH, kW), bias (Cout; read only when HAS_BIAS),
// y (B, Cout, H', W').
// Dispatch: x/y spread by dispatch1d over size = B*H'*ceil(W'/PX_BLOCK) pixel blocks;
// z = ceil(Cout/CO_BLOCK) channel blocks. CO_BLOCK and PX_BLOCK are at most MAX_BLOCK.
override WG: u32 = 64u;
override CO_BLOCK: u32 = 4u;
override PX_BLOCK: u32 = 4u;
override HAS_BIAS: bool = false;
override RELU: bool = false;
// Register arrays need a constant size; loops run to the override bounds, which the driver
// sees as constants, so it unrolls them and keeps the arrays in registers.
const MAX_BLOCK = 16u;

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
  let blocksPerRow = (params.outWidth + PX_BLOCK - 1u) / PX_BLOCK;
  let ow0 = (i % blocksPerRow) * PX_BLOCK;
  let oh = (i / blocksPerRow) % params.outHeight;
  let b = i / (blocksPerRow * params.outHeight);
  let co0 = gid.z * CO_BLOCK;
  let taps = params.kernelH * params.kernelW;
  let ih0 = i32(oh * params.strideH) - i32(params.padH);
  let iw0 = i32(ow0 * params.strideW) - i32(params.padW);
  // Channels past Cout read channel Cout-1 (valid memory) and are never written.
  var wRow: array<u32, MAX_BLOCK>;
  for (var c = 0u; c < CO_BLOCK; c++) {
    wRow[c] = min(co0 + c, params.outChannels - 1u) * params.inChannels * taps;
  }
  let inPlane = params.inHeight * params.inWidth;
  let xImage = b * params.inChannels * inPlane;
  var acc: array<array<f32, MAX_BLOCK>, MAX_BLOCK>;
  // Taps outside, channels inside: the bounds of a tap are checked once for all Cin channels.
  for (var kh = 0u; kh < params.kernelH; kh++) {
    let ih = ih0 + i32(kh * params.dilationH);
    if (ih < 0 || ih >= i32(params.inHeight)) { continue; }
    for (var kw = 0u; kw < params.kernelW; kw++) {
      // Offset of each pixel's input in a plane; out-of-bounds pixels read offset 0 and use 0.
      var at: array<u32, MAX_BLOCK>;
      var inside: array<bool, MAX_BLOCK>;
      for (var p = 0u; p < PX_BLOCK; p++) {
        let iw = iw0 + i32(p * params.strideW + kw * params.dilationW);
        inside[p] = iw >= 0 && iw < i32(params.inWidth);
        at[p] = select(0u, u32(ih) * params.inWidth + u32(iw), inside[p]);
      }
      let tap = kh * params.kernelW + kw;
      for (var ci = 0u; ci < params.inChannels; ci++) {
        let xPlane = xImage + ci * inPlane;
        var xv: array<f32, MAX_BLOCK>;
        for (var p = 0u; p < PX_BLOCK; p++) { xv[p] = select(0.0, x[xPlane + at[p]], inside[p]); }
        let wTap = ci * taps + tap;
        for (var c = 0u; c < CO_BLOCK; c++) {
          let w = weight[wRow[c] + wTap];
          for (var p = 0u; p < PX_BLOCK; p++) { acc[c][p] = fma(w, xv[p], acc[c][p]); }
        }
      }
    }
  }
  let plane = params.outHeight * params.outWidth;
  for (var c = 0u; c < CO_BLOCK; c++) {
    let co = co0 + c;
    if (co >= params.outChannels) { break; }
    var add = 0.0;
    if (HAS_BIAS) { add = bias[co]; }
    let yRow = (b * params.outChannels + co) * plane + oh * params.outWidth;
    for (var p = 0u; p < PX_BLOCK; p++) {
      if (ow0 + p >= params.outWidth) { break; }
      var v = acc[c][p] + add;
      if (RELU) { v = max(v, 0.0); }
      y[yRow + ow0 + p] = v;
    }
  }
}
