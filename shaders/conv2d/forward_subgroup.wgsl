// conv2d forward as an implicit GEMM with subgroup broadcasts (for lavapipe with the `subgroups`
// feature; the scheme of shaders/matmul/subgroup.wgsl):
//   y[co, n] = sum_k weight[co, k] * col[k, n]   rows co = Cout, columns n = (b, oh, ow),
//   k = (ci, kh, kw), col the im2col matrix of x read on the fly. Maths as forward_direct.wgsl.
// Each subgroup of 8 invocations computes 16 output channels x 32 consecutive columns; each
// invocation holds 16 channels x 4 columns in registers. Per (tap, ci) an invocation loads its 4
// input values and the weights of channels co0 + lane and co0 + 8 + lane, and gets the other 14
// weights from its neighbours by subgroupBroadcast: lavapipe splits a storage load into one
// scalar load per lane even when all lanes read the same address, a broadcast is one shuffle.
// Taps outside, channels inside (a tap's bounds checked once for all Cin channels), or with
// CI_OUTER channels outside, for large kernels over few channels: an inner loop of one pass per
// tap costs lavapipe about as much as its multiply-adds (lab-cnn's first layer ran 1.3-2.1x
// faster with channels outside).
// Bindings: x (B, Cin, H, W), weight (Cout, Cin, kH, kW), bias (Cout; read only when HAS_BIAS),
// y (B, Cout, H', W').
// Dispatch: x/y spread by dispatch1d over size = B*H'*W' columns in workgroups of 4*WG columns;
// z = ceil(Cout / 16).
// Prepended: subgroup_accumulate.wgsl (enable subgroups, LANES, ROWS, HI_ROWS, broadcastsHi,
// accumulate).
// NOTE: needs subgroups of exactly 8 invocations made of consecutive local_invocation_index (the
// dispatcher checks). No early return: subgroupBroadcast must stay in uniform control flow, so
// channels and columns past the end are clamped for loading and skipped when storing.
override WG: u32 = 64u;
override HAS_BIAS: bool = false;
override RELU: bool = false;
override CI_OUTER: bool = false;

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

struct TapColumns {
  at: vec4<u32>,
  inside: vec4<bool>,
}

// Offset of each column's input for tap (kh, kw) in channel 0; outside the image: offset 0.
fn tapColumns(xImage: array<u32, 4>, ih0: array<i32, 4>, iw0: array<i32, 4>, kh: u32, kw: u32) -> TapColumns {
  var t: TapColumns;
  for (var j = 0u; j < 4u; j++) {
    let ih = ih0[j] + i32(kh * params.dilationH);
    let iw = iw0[j] + i32(kw * params.dilationW);
    t.inside[j] = ih >= 0 && ih < i32(params.inHeight) && iw >= 0 && iw < i32(params.inWidth);
    t.at[j] = select(0u, xImage[j] + u32(ih) * params.inWidth + u32(iw), t.inside[j]);
  }
  return t;
}

// weight[at] where this lane's `hi` value is broadcast, else 0 (no load).
fn hiWeight(at: u32, lane: u32) -> f32 {
  var w = 0.0;
  if (broadcastsHi(lane)) { w = weight[at]; }
  return w;
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
  // Each column's image and input window corner; columns past the end repeat the last one.
  var xImage: array<u32, 4>;
  var ih0: array<i32, 4>;
  var iw0: array<i32, 4>;
  for (var j = 0u; j < 4u; j++) {
    let n = min(col0 + j, params.size - 1u);
    let pix = n % plane;
    xImage[j] = (n / plane) * params.inChannels * inPlane;
    ih0[j] = i32((pix / params.outWidth) * params.strideH) - i32(params.padH);
    iw0[j] = i32((pix % params.outWidth) * params.strideW) - i32(params.padW);
  }
  // This invocation loads the weights of channels row0 + lane and row0 + 8 + lane.
  let wLo = min(row0 + lane, params.outChannels - 1u) * params.inChannels * taps;
  let wHi = min(row0 + LANES + lane, params.outChannels - 1u) * params.inChannels * taps;
  // acc[r]: y[row0 + r, col0 .. col0 + 3].
  var acc: array<vec4<f32>, ROWS>;
  if (CI_OUTER) {
    for (var ci = 0u; ci < params.inChannels; ci++) {
      for (var kh = 0u; kh < params.kernelH; kh++) {
        for (var kw = 0u; kw < params.kernelW; kw++) {
          let t = tapColumns(xImage, ih0, iw0, kh, kw);
          let xc = t.at + ci * inPlane;
          let k = ci * taps + kh * params.kernelW + kw;
          accumulate(&acc, weight[wLo + k], hiWeight(wHi + k, lane), select(vec4(0.0), vec4(x[xc.x], x[xc.y], x[xc.z], x[xc.w]), t.inside));
        }
      }
    }
  } else {
    for (var kh = 0u; kh < params.kernelH; kh++) {
      for (var kw = 0u; kw < params.kernelW; kw++) {
        let t = tapColumns(xImage, ih0, iw0, kh, kw);
        let tap = kh * params.kernelW + kw;
        for (var ci = 0u; ci < params.inChannels; ci++) {
          let xc = t.at + ci * inPlane;
          let k = ci * taps + tap;
          accumulate(&acc, weight[wLo + k], hiWeight(wHi + k, lane), select(vec4(0.0), vec4(x[xc.x], x[xc.y], x[xc.z], x[xc.w]), t.inside));
        }
      }
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let co = row0 + r;
    if (co >= params.outChannels) { break; }
    var v = acc[r];
    if (HAS_BIAS) { v += vec4(bias[co]); }
    if (RELU) { v = max(v, vec4(0.0)); }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + j;
      if (n >= params.size) { break; }
      y[((n / plane) * params.outChannels + co) * plane + n % plane] = v[j];
    }
  }
}
