// conv2d backward to the input as an implicit GEMM with subgroup broadcasts (for lavapipe with
// the `subgroups` feature; the scheme of shaders/matmul/subgroup.wgsl and forward_subgroup.wgsl):
//   gradInput[ci, n] = sum_k weight[co, ci, kh, kw] * gradOutput[b, co, oh, ow]
// rows ci = Cin, columns n = (b, ih, iw), k = (co, kh, kw), with oh = (ih + pH - kh*dH) / sH and
// ow = (iw + pW - kw*dW) / sW where sH, sW divide the numerators and the result is in range
// (zero otherwise). Correct for any stride; with stride > 1 most (column, tap) pairs receive
// nothing and backward_input_register.wgsl, which skips them, may be faster (tuning decides).
// Maths and determinism as backward_input.wgsl.
// Each subgroup of 8 invocations computes 16 input channels x 32 consecutive columns; each
// invocation holds 16 channels x 4 columns in registers, loads its 4 gradOutput values and the
// weights of channels ci0 + lane and ci0 + 8 + lane per (tap, co), and broadcasts the weights.
// Bindings: gradOutput (B, Cout, H', W'), weight (Cout, Cin, kH, kW), gradInput (B, Cin, H, W).
// Dispatch: x/y spread by dispatch1d over size = B*H*W columns in workgroups of 4*WG columns;
// z = ceil(Cin / 16).
// NOTE: needs subgroups of exactly 8 consecutive invocations; no early return (uniform control
// flow for subgroupBroadcast): channels and columns past the end are clamped, never stored.
enable subgroups;

override WG: u32 = 64u;

const LANES = 8u;
const ROWS = 16u;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

// The output index a kernel offset maps input coordinate `i` to: (i + pad - offset) / stride
// when that is a whole number in [0, extent), else -1.
fn outIndex(i: u32, pad: u32, offset: u32, stride: u32, extent: u32) -> i32 {
  let num = i32(i + pad) - i32(offset);
  if (num < 0 || u32(num) % stride != 0u || u32(num) / stride >= extent) { return -1; }
  return i32(u32(num) / stride);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let wgIndex = wid.x + wid.y * groups.x;
  let col0 = (wgIndex * (WG / LANES) + li / LANES) * (LANES * 4u) + lane * 4u;
  let row0 = wid.z * ROWS;
  let plane = params.outHeight * params.outWidth;
  let inPlane = params.inHeight * params.inWidth;
  let taps = params.kernelH * params.kernelW;
  // Each column's gradOutput image and input coordinates; columns past the end repeat the last.
  var goImage: array<u32, 4>;
  var ih: array<u32, 4>;
  var iw: array<u32, 4>;
  for (var j = 0u; j < 4u; j++) {
    let n = min(col0 + j, params.size - 1u);
    let pix = n % inPlane;
    goImage[j] = (n / inPlane) * params.outChannels * plane;
    ih[j] = pix / params.inWidth;
    iw[j] = pix % params.inWidth;
  }
  // weight[co, ci, tap] of channels row0 + lane and row0 + 8 + lane, at co = 0.
  let wLo = min(row0 + lane, params.inChannels - 1u) * taps;
  let wHi = min(row0 + LANES + lane, params.inChannels - 1u) * taps;
  let wCo = params.inChannels * taps;
  // acc[r]: gradInput[row0 + r, col0 .. col0 + 3].
  var acc: array<vec4<f32>, ROWS>;
  for (var kh = 0u; kh < params.kernelH; kh++) {
    for (var kw = 0u; kw < params.kernelW; kw++) {
      // Offset of each column's gradOutput value in channel 0; no output: offset 0, value 0.
      var at: vec4<u32>;
      var hit: vec4<bool>;
      for (var j = 0u; j < 4u; j++) {
        let oh = outIndex(ih[j], params.padH, kh * params.dilationH, params.strideH, params.outHeight);
        let ow = outIndex(iw[j], params.padW, kw * params.dilationW, params.strideW, params.outWidth);
        hit[j] = oh >= 0 && ow >= 0;
        at[j] = select(0u, goImage[j] + u32(oh) * params.outWidth + u32(ow), hit[j]);
      }
      let tap = kh * params.kernelW + kw;
      for (var co = 0u; co < params.outChannels; co++) {
        let gc = at + co * plane;
        let gv = select(vec4(0.0), vec4(gradOutput[gc.x], gradOutput[gc.y], gradOutput[gc.z], gradOutput[gc.w]), hit);
        let k = co * wCo + tap;
        let lo = weight[wLo + k];
        let hi = weight[wHi + k];
        // subgroupBroadcast takes a constant lane, hence the unrolled lines.
        acc[0] = fma(vec4(subgroupBroadcast(lo, 0u)), gv, acc[0]);
        acc[1] = fma(vec4(subgroupBroadcast(lo, 1u)), gv, acc[1]);
        acc[2] = fma(vec4(subgroupBroadcast(lo, 2u)), gv, acc[2]);
        acc[3] = fma(vec4(subgroupBroadcast(lo, 3u)), gv, acc[3]);
        acc[4] = fma(vec4(subgroupBroadcast(lo, 4u)), gv, acc[4]);
        acc[5] = fma(vec4(subgroupBroadcast(lo, 5u)), gv, acc[5]);
        acc[6] = fma(vec4(subgroupBroadcast(lo, 6u)), gv, acc[6]);
        acc[7] = fma(vec4(subgroupBroadcast(lo, 7u)), gv, acc[7]);
        acc[8] = fma(vec4(subgroupBroadcast(hi, 0u)), gv, acc[8]);
        acc[9] = fma(vec4(subgroupBroadcast(hi, 1u)), gv, acc[9]);
        acc[10] = fma(vec4(subgroupBroadcast(hi, 2u)), gv, acc[10]);
        acc[11] = fma(vec4(subgroupBroadcast(hi, 3u)), gv, acc[11]);
        acc[12] = fma(vec4(subgroupBroadcast(hi, 4u)), gv, acc[12]);
        acc[13] = fma(vec4(subgroupBroadcast(hi, 5u)), gv, acc[13]);
        acc[14] = fma(vec4(subgroupBroadcast(hi, 6u)), gv, acc[14]);
        acc[15] = fma(vec4(subgroupBroadcast(hi, 7u)), gv, acc[15]);
      }
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let ci = row0 + r;
    if (ci >= params.inChannels) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + j;
      if (n >= params.size) { break; }
      gradInput[((n / inPlane) * params.inChannels + ci) * inPlane + n % inPlane] = acc[r][j];
    }
  }
}
