// conv2d backward to the input, one input pixel per subgroup (for lavapipe with the `subgroups`
// feature; the broadcasts of backward_input_subgroup.wgsl):
//   gradInput[b, ci, ih, iw] = sum_(co, kh, kw) weight[co, ci, kh, kw] * gradOutput[b, co, oh, ow]
// with oh = (ih + pH - kh*dH) / sH and ow = (iw + pW - kw*dW) / sW where sH, sW divide the
// numerators and the result is in range. Maths and determinism as backward_input.wgsl.
// A workgroup is one subgroup of 8 invocations and owns one input pixel (ih, iw), 32 images and
// 16 input channels: each invocation holds 16 channels x 4 images in registers. Which taps reach
// an output then depends on the workgroup alone, so the loop visits exactly those (a branch
// lavapipe takes once per workgroup): no multiply-add is spent on a tap that hits no output,
// where backward_input_subgroup.wgsl, whose columns run along an input row, masks the columns
// whose output falls off the edge (two taps in three on lab-cnn's conv2, 12 columns wide, and a
// quarter of its runs of 4 idle). The batch is the column axis, so it wants batches of 32 or
// more (a batch of 8 leaves three quarters of the lanes idle: the runtime's tuner decides).
// Bindings: gradOutput (B, Cout, H', W'), weight (Cout, Cin, kH, kW), gradInput (B, Cin, H, W).
// Dispatch: x = H*W*ceil(B/32) (pixel, block of images), z = ceil(Cin / 16), both walked in
// workgroups of 8; x may be spread over y (dispatch1d).
// Prepended: subgroup_accumulate.wgsl (enable subgroups, LANES, ROWS, HI_ROWS, broadcastsHi,
// accumulate).
// NOTE: needs subgroups of exactly 8 invocations; no early return (uniform control flow for
// subgroupBroadcast): images and channels past the end are clamped, never stored.

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(8)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  // size = H*W*imageBlocks; workgroups past it (dispatch1d's rounding) clamp and store nothing.
  let wgIndex = wid.x + wid.y * groups.x;
  let item = min(wgIndex, params.size - 1u);
  let imageBlocks = (params.batch + 31u) / 32u;
  let pixel = item / imageBlocks;
  let ih = pixel / params.inWidth;
  let iw = pixel % params.inWidth;
  let b0 = (item % imageBlocks) * 32u + lane * 4u;
  let row0 = wid.z * ROWS;
  let plane = params.outHeight * params.outWidth;
  let taps = params.kernelH * params.kernelW;
  // Offset of each image's gradOutput plane of channel 0 (images past the end repeat the last).
  var image: vec4<u32>;
  for (var j = 0u; j < 4u; j++) {
    image[j] = min(b0 + j, params.batch - 1u) * params.outChannels * plane;
  }
  // weight[co, ci, tap] of channels row0 + lane and row0 + 8 + lane, at co = 0.
  let wLo = min(row0 + lane, params.inChannels - 1u) * taps;
  let wHi = min(row0 + LANES + lane, params.inChannels - 1u) * taps;
  let wCo = params.inChannels * taps;
  // acc[r]: gradInput[b0 .. b0 + 3, row0 + r, ih, iw].
  var acc: array<vec4<f32>, ROWS>;
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
      let at = image + vec4(oh * params.outWidth + ow);
      let tap = kh * params.kernelW + kw;
      for (var co = 0u; co < params.outChannels; co++) {
        let gc = at + co * plane;
        let gv = vec4(gradOutput[gc.x], gradOutput[gc.y], gradOutput[gc.z], gradOutput[gc.w]);
        let k = co * wCo + tap;
        let lo = weight[wLo + k];
        var hi = 0.0;
        if (broadcastsHi(lane)) { hi = weight[wHi + k]; }
        accumulate(&acc, lo, hi, gv);
      }
    }
  }
  if (wgIndex >= params.size) { return; }
  let inPlane = params.inHeight * params.inWidth;
  for (var r = 0u; r < ROWS; r++) {
    let ci = row0 + r;
    if (ci >= params.inChannels) { break; }
    for (var j = 0u; j < 4u; j++) {
      let b = b0 + j;
      if (b >= params.batch) { break; }
      gradInput[(b * params.inChannels + ci) * inPlane + pixel] = acc[r][j];
    }
  }
}
