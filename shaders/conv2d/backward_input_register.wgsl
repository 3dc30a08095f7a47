// conv2d backward to the input, register-blocked gather without barriers (for CPU drivers):
// each invocation computes CI_BLOCK input channels x PX_BLOCK input columns of one input row.
// The columns are sW apart (iw = r + q*sW for q in a run of PX_BLOCK), so they share one phase
// r: for a given kw either all of them receive a product (from PX_BLOCK consecutive output
// columns) or none does, and with stride > 1 no work is spent on taps that hit no output.
// Each gradOutput value is used CI_BLOCK times, each weight PX_BLOCK times.
// Maths and determinism as backward_input.wgsl.
// Bindings: gradOutput (B, Cout, H', W'), weight (Cout, Cin, kH, kW), gradInput (B, Cin, H, W).
// Dispatch: x over size = B*ceil(ceil(W/sW)/PX_BLOCK) blocks (batch, column run) in workgroups of
// WG; y = H*sW (input row ih, column phase r); z = ceil(Cin/CI_BLOCK) channel blocks.
// CI_BLOCK and PX_BLOCK are at most MAX_BLOCK.
// NOTE: (ih, r) and the channel block come from the workgroup id, so which taps hit an output is
// the same for every invocation of a workgroup and the driver knows it: a CPU driver (lavapipe)
// then branches over the taps that hit nothing instead of running all kH*kW of them under a
// mask, and loads each weight once for its SIMD vector instead of once per invocation.
override WG: u32 = 64u;
override CI_BLOCK: u32 = 4u;
override PX_BLOCK: u32 = 4u;
const MAX_BLOCK = 16u;

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
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.size) { return; }
  let sW = params.strideW;
  let blocksPerPhase = ((params.inWidth + sW - 1u) / sW + PX_BLOCK - 1u) / PX_BLOCK;
  let q0 = (i % blocksPerPhase) * PX_BLOCK;
  let b = i / blocksPerPhase;
  let r = wid.y % sW;
  let ih = wid.y / sW;
  let ci0 = wid.z * CI_BLOCK;
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
      // ow of column q is (r + pW - kw*dW)/sW + q when sW divides the numerator, for every q.
      let nw = i32(r + params.padW) - i32(kw * params.dilationW);
      if (((nw % i32(sW)) + i32(sW)) % i32(sW) != 0) { continue; }
      let ow0 = nw / i32(sW) + i32(q0);
      let tap = kh * params.kernelW + kw;
      for (var co = 0u; co < params.outChannels; co++) {
        let goRow = (b * params.outChannels + co) * plane + oh * params.outWidth;
        var g: array<f32, MAX_BLOCK>;
        for (var p = 0u; p < PX_BLOCK; p++) {
          let ow = ow0 + i32(p);
          g[p] = 0.0;
          if (ow >= 0 && ow < i32(params.outWidth)) { g[p] = gradOutput[goRow + u32(ow)]; }
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
      let iw = r + (q0 + p) * sW;
      if (iw >= params.inWidth) { break; }
      gradInput[row + iw] = acc[c][p];
    }
  }
}
