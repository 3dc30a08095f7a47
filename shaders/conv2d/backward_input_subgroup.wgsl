// conv2d backward to the input as an implicit GEMM with subgroup broadcasts (for lavapipe with
// the `subgroups` feature; the scheme of shaders/matmul/subgroup.wgsl and forward_subgroup.wgsl):
//   gradInput[ci, n] = sum_k weight[co, ci, kh, kw] * gradOutput[b, co, oh, ow]
// rows ci = Cin, columns n = (b, iw) of one input row ih and column phase iw mod sW, k = (co, kh,
// kw), with oh = (ih + pH - kh*dH) / sH and ow = (iw + pW - kw*dW) / sW where sH, sW divide the
// numerators and the result is in range (zero otherwise). Maths and determinism as
// backward_input.wgsl.
// As in backward_input_register.wgsl, the row ih and the phase come from the workgroup id, so the
// taps that hit no output are skipped by a branch the whole workgroup takes (with stride 2, three
// taps in four), and the columns of an invocation (iw = phase + q*sW for 4 consecutive q) take
// their gradOutput values from 4 consecutive output columns.
// Each subgroup of 8 invocations computes 16 input channels x 8 runs of 4 columns; each
// invocation holds 16 channels x 4 columns in registers, loads its 4 gradOutput values and the
// weights of channels ci0 + lane and ci0 + 8 + lane per (tap, co), and broadcasts the weights.
// Bindings: gradOutput (B, Cout, H', W'), weight (Cout, Cin, kH, kW), gradInput (B, Cin, H, W).
// Dispatch: x over size = B*ceil(ceil(W/sW)/4) runs in workgroups of WG; y = H*sW (input row,
// column phase); z = ceil(Cin / 16).
// Prepended: subgroup_accumulate.wgsl (enable subgroups, LANES, ROWS, HI_ROWS, broadcastsHi,
// accumulate).
// NOTE: needs subgroups of exactly 8 consecutive invocations; no early return (uniform control
// flow for subgroupBroadcast): channels and runs past the end are clamped, never stored.
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
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let sW = params.strideW;
  let runs = ((params.inWidth + sW - 1u) / sW + 3u) / 4u;
  let runIndex = wid.x * WG + li;
  let at0 = min(runIndex, params.size - 1u);
  let q0 = (at0 % runs) * 4u;
  let b = at0 / runs;
  let phase = wid.y % sW;
  let ih = wid.y / sW;
  let row0 = wid.z * ROWS;
  let plane = params.outHeight * params.outWidth;
  let taps = params.kernelH * params.kernelW;
  let goImage = b * params.outChannels * plane;
  // weight[co, ci, tap] of channels row0 + lane and row0 + 8 + lane, at co = 0.
  let wLo = min(row0 + lane, params.inChannels - 1u) * taps;
  let wHi = min(row0 + LANES + lane, params.inChannels - 1u) * taps;
  let wCo = params.inChannels * taps;
  // acc[r]: gradInput[b, row0 + r, ih, phase + (q0 .. q0 + 3) * sW].
  var acc: array<vec4<f32>, ROWS>;
  for (var kh = 0u; kh < params.kernelH; kh++) {
    let nh = i32(ih + params.padH) - i32(kh * params.dilationH);
    if (nh < 0 || u32(nh) % params.strideH != 0u) { continue; }
    let oh = u32(nh) / params.strideH;
    if (oh >= params.outHeight) { continue; }
    for (var kw = 0u; kw < params.kernelW; kw++) {
      // ow of column q is (phase + pW - kw*dW)/sW + q when sW divides the numerator, for every q.
      let nw = i32(phase + params.padW) - i32(kw * params.dilationW);
      if (((nw % i32(sW)) + i32(sW)) % i32(sW) != 0) { continue; }
      let ow0 = nw / i32(sW) + i32(q0);
      // Offset of each column's gradOutput value in channel 0; no output: offset 0, value 0.
      var at: vec4<u32>;
      var hit: vec4<bool>;
      for (var j = 0u; j < 4u; j++) {
        let ow = ow0 + i32(j);
        hit[j] = ow >= 0 && ow < i32(params.outWidth);
        at[j] = select(0u, goImage + oh * params.outWidth + u32(ow), hit[j]);
      }
      let tap = kh * params.kernelW + kw;
      for (var co = 0u; co < params.outChannels; co++) {
        let gc = at + co * plane;
        let gv = select(vec4(0.0), vec4(gradOutput[gc.x], gradOutput[gc.y], gradOutput[gc.z], gradOutput[gc.w]), hit);
        let k = co * wCo + tap;
        let lo = weight[wLo + k];
        var hi = 0.0;
        if (broadcastsHi(lane)) { hi = weight[wHi + k]; }
        accumulate(&acc, lo, hi, gv);
      }
    }
  }
  if (runIndex >= params.size) { return; }
  let inPlane = params.inHeight * params.inWidth;
  for (var r = 0u; r < ROWS; r++) {
    let ci = row0 + r;
    if (ci >= params.inChannels) { break; }
    let rowAt = ((b * params.inChannels + ci) * params.inHeight + ih) * params.inWidth;
    for (var j = 0u; j < 4u; j++) {
      let iw = phase + (q0 + j) * sW;
      if (iw >= params.inWidth) { break; }
      gradInput[rowAt + iw] = acc[r][j];
    }
  }
}
