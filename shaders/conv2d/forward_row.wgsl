// conv2d forward, the subgroup GEMM of forward_subgroup.wgsl with each input row read once per
// invocation (for lavapipe with the `subgroups` feature):
//   y[b, co, oh, ow] = bias[co] + sum_(ci, kh, kw) weight[co, ci, kh, kw] * x[b, ci, ih, iw]
// with ih = oh*sH - pH + kh*dH, iw = ow*sW - pW + kw*dW (zero outside the image).
// Each invocation computes 4 consecutive outputs of one row (ow0 .. ow0 + 3, ow0 a multiple of 4)
// for 16 channels; per (ci, kh) it loads the input window those 4 outputs see, WINDOW values
// from iw0 = ow0*sW - pW, into registers, and the kW taps read it there. forward_subgroup.wgsl
// loads each tap's 4 values again: 4*kW loads per row where this loads WINDOW = 3*sW + (kW-1)*dW
// + 1 (lab-cnn's 7-wide stride-3 layer: 16 for 28). Lavapipe (Mesa 25.0) splits every storage
// load into one bounds-checked scalar load per lane, which is most of a conv's time there; with
// VEC4 (input rows and iw0 multiples of 4: inW % 4 == 0, pW % 4 == 0) the window is read through
// `xv`, the same buffer as vec4s, a quarter of the loads (lab-cnn's 10->10 5x5 on 41x12: 3 for 20).
// The window and the kW loop are fully unrolled (WINDOW, KW, SW, DW are overrides, so Mesa's NIR
// unrolls loops of constant length): the window lives in registers, indexed by constants.
// Weights come by subgroupBroadcast as in forward_subgroup.wgsl.
// Bindings: x (B, Cin, H, W), xv (x again, as vec4s; read only with VEC4), weight (Cout, Cin, kH,
// kW), bias (Cout; read only when HAS_BIAS), y (B, Cout, H', W').
// Dispatch: blocks of 4 outputs, size = B*H'*ceil(W'/4), spread by dispatch1d in workgroups of
// WG invocations; z = ceil(Cout / 16). The dispatcher checks WINDOW <= MAX_WINDOW.
// Prepended: subgroup_accumulate.wgsl (enable subgroups, LANES, ROWS, HI_ROWS, broadcastsHi,
// accumulate).
// NOTE: needs subgroups of exactly 8 invocations made of consecutive local_invocation_index. No
// early return: subgroupBroadcast must stay in uniform control flow, so blocks and channels past
// the end are clamped for loading and skipped when storing.
override WG: u32 = 64u;
override HAS_BIAS: bool = false;
override RELU: bool = false;
override VEC4: bool = false;
// Length of the input window (a multiple of 4 with VEC4), kernel width, stride and dilation along W.
override WINDOW: u32 = 16u;
override KW: u32 = 7u;
override SW: u32 = 3u;
override DW: u32 = 1u;

const MAX_WINDOW = 32u;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> xv: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let wgIndex = wid.x + wid.y * groups.x;
  let span = wgIndex * WG + li;
  let row0 = wid.z * ROWS;
  let rowBlocks = (params.outWidth + 3u) / 4u;
  // This invocation's span of 4 outputs (spans past the end repeat the last one).
  let at = min(span, params.size - 1u);
  let ow0 = (at % rowBlocks) * 4u;
  let oh = (at / rowBlocks) % params.outHeight;
  let b = at / (rowBlocks * params.outHeight);
  let inPlane = params.inHeight * params.inWidth;
  let taps = params.kernelH * KW;
  let iw0 = i32(ow0 * SW) - i32(params.padW);
  // This invocation loads the weights of channels row0 + lane and row0 + 8 + lane.
  let wLo = min(row0 + lane, params.outChannels - 1u) * params.inChannels * taps;
  let wHi = min(row0 + LANES + lane, params.outChannels - 1u) * params.inChannels * taps;
  // acc[r]: y[b, row0 + r, oh, ow0 .. ow0 + 3].
  var acc: array<vec4<f32>, ROWS>;
  var window: array<f32, MAX_WINDOW>;
  for (var ci = 0u; ci < params.inChannels; ci++) {
    for (var kh = 0u; kh < params.kernelH; kh++) {
      let ih = i32(oh * params.strideH + kh * params.dilationH) - i32(params.padH);
      let rowInside = ih >= 0 && ih < i32(params.inHeight);
      // Offset of the window's first value; rows outside the image read offset 0 and use 0.
      let rowAt = select(0, i32((b * params.inChannels + ci) * inPlane + u32(ih) * params.inWidth), rowInside);
      if (VEC4) {
        // iw0 and the row are multiples of 4: each vec4 lies wholly inside or outside the row.
        for (var q = 0u; q < WINDOW / 4u; q++) {
          let iw = iw0 + i32(4u * q);
          let inside = rowInside && iw >= 0 && iw < i32(params.inWidth);
          let v = select(vec4(0.0), xv[u32(select(0, rowAt + iw, inside)) / 4u], inside);
          window[4u * q] = v.x;
          window[4u * q + 1u] = v.y;
          window[4u * q + 2u] = v.z;
          window[4u * q + 3u] = v.w;
        }
      } else {
        for (var i = 0u; i < WINDOW; i++) {
          let iw = iw0 + i32(i);
          let inside = rowInside && iw >= 0 && iw < i32(params.inWidth);
          window[i] = select(0.0, x[u32(select(0, rowAt + iw, inside))], inside);
        }
      }
      let k0 = ci * taps + kh * KW;
      for (var kw = 0u; kw < KW; kw++) {
        let xs = vec4(window[kw * DW], window[SW + kw * DW], window[2u * SW + kw * DW], window[3u * SW + kw * DW]);
        var hi = 0.0;
        if (broadcastsHi(lane)) { hi = weight[wHi + k0 + kw]; }
        accumulate(&acc, weight[wLo + k0 + kw], hi, xs);
      }
    }
  }
  if (span >= params.size) { return; }
  let plane = params.outHeight * params.outWidth;
  for (var r = 0u; r < ROWS; r++) {
    let co = row0 + r;
    if (co >= params.outChannels) { break; }
    var v = acc[r];
    if (HAS_BIAS) { v += vec4(bias[co]); }
    if (RELU) { v = max(v, vec4(0.0)); }
    let out = (b * params.outChannels + co) * plane + oh * params.outWidth + ow0;
    for (var j = 0u; j < 4u; j++) {
      if (ow0 + j >= params.outWidth) { break; }
      y[out + j] = v[j];
    }
  }
}
