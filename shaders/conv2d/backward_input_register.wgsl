// conv2d backward to the input, register-blocked gather without barriers (for CPU drivers):
// each invocation computes CI_BLOCK input channels x PX_BLOCK consecutive input columns of one
// input row, so each gradOutput value is used CI_BLOCK times and each weight PX_BLOCK times.
// Maths and determinism as backward_input.wgsl.
// Bindings: gradOutput (B, Cout, H', W'), weight (Cout, Cin, kH, kW), gradInput (B, Cin, H, W).
// Dispatch: x/y spread by dispatch1d over size = B*H*ceil(W/PX_BLOCK) pixel blocks;
// z = ceil(Cin/CI_BLOCK) channel blocks. CI_BLOCK and PX_BLOCK are at most MAX_BLOCK.
override WG: u32 = 64u;
override CI_BLOCK: u32 = 4u;
override PX_BLOCK: u32 = 4u;
const MAX_BLOCK = 8u;

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
  let blocksPerRow = (params.inWidth + PX_BLOCK - 1u) / PX_BLOCK;
  let iw0 = (i % blocksPerRow) * PX_BLOCK;
  let ih = (i / blocksPerRow) % params.inHeight;
  let b = i / (blocksPerRow * params.inHeight);
  let ci0 = gid.z * CI_BLOCK;
  let plane = params.outHeight * params.outWidth;
  let taps = params.kernelH * params.kernelW;
  // Channels past Cin read channel Cin-1 (valid memory) and are never written.
  var wCol: array<u32, MAX_BLOCK>;
  for (var c = 0u; c < CI_BLOCK; c++) { wCol[c] = min(ci0 + c, params.inChannels - 1u) * taps; }
  var acc: array<array<f32, MAX_BLOCK>, MAX_BLOCK>;
  for (var kh = 0u; kh < params.kernelH; kh++) {
    let nh = i32(ih + params.padH) - i32(kh * params.dilationH);
    if (nh < 0 || u32(nh) % params.strideH != 0u) { continue; }
    let oh = u32(nh) / params.strideH;
    if (oh >= params.outHeight) { continue; }
    for (var kw = 0u; kw < params.kernelW; kw++) {
      // Output column read by each pixel of the block, or -1 when none.
      var ow: array<i32, MAX_BLOCK>;
      var hit = false;
      for (var p = 0u; p < PX_BLOCK; p++) {
        let nw = i32(iw0 + p + params.padW) - i32(kw * params.dilationW);
        ow[p] = -1;
        if (nw >= 0 && u32(nw) % params.strideW == 0u && u32(nw) / params.strideW < params.outWidth) {
          ow[p] = i32(oh * params.outWidth + u32(nw) / params.strideW);
          hit = true;
        }
      }
      if (!hit) { continue; }
      let tap = kh * params.kernelW + kw;
      for (var co = 0u; co < params.outChannels; co++) {
        let goPlane = (b * params.outChannels + co) * plane;
        var g: array<f32, MAX_BLOCK>;
        for (var p = 0u; p < PX_BLOCK; p++) {
          g[p] = 0.0;
          if (ow[p] >= 0) { g[p] = gradOutput[goPlane + u32(ow[p])]; }
        }
        let wCo = co * params.inChannels * taps + tap;
        for (var c = 0u; c < CI_BLOCK; c++) {
          let w = weight[wCo + wCol[c]];
          for (var p = 0u; p < PX_BLOCK; p++) { acc[c][p] = fma(w, g[p], acc[c][p]); }
        }
      }
    }
  }
  for (var c = 0u; c < CI_BLOCK; c++) {
    let ci = ci0 + c;
    if (ci >= params.inChannels) { break; }
    let row = ((b * params.inChannels + ci) * params.inHeight + ih) * params.inWidth;
    for (var p = 0u; p < PX_BLOCK; p++) {
      if (iw0 + p >= params.inWidth) { break; }
      gradInput[row + iw0 + p] = acc[c][p];
    }
  }
}
