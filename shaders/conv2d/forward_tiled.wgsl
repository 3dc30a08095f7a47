// conv2d forward as an implicit GEMM with shared-memory tiles (the variant for discrete GPUs):
//   y[co, n] = sum_k weight[co, k] * col[k, n]   with n = (b, oh, ow), k = (ci, kh, kw)
// where col is the im2col matrix of x, gathered on the fly into workgroup memory and never
// stored. A workgroup owns a (4*WG_Y) x (4*WG_X) tile of (Cout, B*H'*W'); each invocation
// accumulates a 4 x 4 block in registers over K = Cin*kH*kW in steps of TILE_K.
// NOTE: no early return: every invocation must reach the barriers; loads and stores are guarded.
// Bindings: x (B, Cin, H, W), weight (Cout, Cin, kH, kW), bias (Cout; read only when HAS_BIAS),
// y (B, Cout, H', W'). size = B*H'*W' (the GEMM's N).
// Dispatch: (ceil(size / (4*WG_X)), ceil(Cout / (4*WG_Y)), 1). Requires WG_Y % 4 == 0 so each
// invocation loads a fixed im2col column.
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override HAS_BIAS: bool = false;
override RELU: bool = false;
const MICRO = 4u;

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

// weightTile[k * TILE_M + m], colTile[k * TILE_N + n].
var<workgroup> weightTile: array<f32, TILE_K * WG_Y * MICRO>;
var<workgroup> colTile: array<f32, TILE_K * WG_X * MICRO>;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tileM = WG_Y * MICRO;
  let tileN = WG_X * MICRO;
  let threads = WG_X * WG_Y;
  let t = lid.y * WG_X + lid.x;
  let m0 = wid.y * tileM;
  let n0 = wid.x * tileN;
  let taps = params.kernelH * params.kernelW;
  let depth = params.inChannels * taps;
  let plane = params.outHeight * params.outWidth;

  // The im2col column this invocation loads, decoded once.
  let loadN = t % tileN;
  let nLoad = n0 + loadN;
  let validN = nLoad < params.size;
  let lb = nLoad / plane;
  let ih0 = i32(((nLoad % plane) / params.outWidth) * params.strideH) - i32(params.padH);
  let iw0 = i32((nLoad % params.outWidth) * params.strideW) - i32(params.padW);
  let xImage = lb * params.inChannels * params.inHeight * params.inWidth;

  var acc: array<array<f32, MICRO>, MICRO>;
  for (var k0 = 0u; k0 < depth; k0 += TILE_K) {
    for (var e = t; e < TILE_K * tileM; e += threads) {
      let k = k0 + e % TILE_K;
      let m = m0 + e / TILE_K;
      var w = 0.0;
      if (k < depth && m < params.outChannels) { w = weight[m * depth + k]; }
      weightTile[(e % TILE_K) * tileM + e / TILE_K] = w;
    }
    for (var kl = t / tileN; kl < TILE_K; kl += threads / tileN) {
      let k = k0 + kl;
      var v = 0.0;
      if (validN && k < depth) {
        let ci = k / taps;
        let kh = (k % taps) / params.kernelW;
        let kw = k % params.kernelW;
        let ih = ih0 + i32(kh * params.dilationH);
        let iw = iw0 + i32(kw * params.dilationW);
        if (ih >= 0 && ih < i32(params.inHeight) && iw >= 0 && iw < i32(params.inWidth)) {
          v = x[xImage + (ci * params.inHeight + u32(ih)) * params.inWidth + u32(iw)];
        }
      }
      colTile[kl * tileN + loadN] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var a: array<f32, MICRO>;
      var c: array<f32, MICRO>;
      for (var i = 0u; i < MICRO; i++) {
        a[i] = weightTile[kk * tileM + lid.y * MICRO + i];
        c[i] = colTile[kk * tileN + lid.x * MICRO + i];
      }
      for (var i = 0u; i < MICRO; i++) {
        for (var j = 0u; j < MICRO; j++) { acc[i][j] = fma(a[i], c[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < MICRO; i++) {
    let co = m0 + lid.y * MICRO + i;
    if (co >= params.outChannels) { break; }
    var add = 0.0;
    if (HAS_BIAS) { add = bias[co]; }
    for (var j = 0u; j < MICRO; j++) {
      let n = n0 + lid.x * MICRO + j;
      if (n >= params.size) { break; }
      var v = acc[i][j] + add;
      if (RELU) { v = max(v, 0.0); }
      y[((n / plane) * params.outChannels + co) * plane + n % plane] = v;
    }
  }
}
