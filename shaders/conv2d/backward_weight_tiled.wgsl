// conv2d backward to the weight as an implicit GEMM with shared-memory tiles (for discrete GPUs):
//   gradWeight[co, k] = sum_n gradOutput[co, n] * col[n, k]   with n = (b, oh, ow), k = (ci, kh, kw)
// where col is the im2col matrix of x gathered into workgroup memory on the fly. A workgroup
// owns a (4*WG_Y) x (4*WG_X) tile of (Cout, Cin*kH*kW) and walks its share of the reduction
// over B*H'*W' in steps of TILE_K in a fixed order (deterministic, no atomics). The reduction
// may be split (split-K, grid z): split s sums n in [s*reductionChunk, (s+1)*reductionChunk)
// into gradWeight[s], and backward_weight_reduce.wgsl adds the splits in order; a layer with
// few weights (Conv2d(1, 10, 7): one tile) would otherwise run on one workgroup.
// NOTE: no early return: every invocation must reach the barriers; loads and stores are guarded.
// Bindings: gradOutput (B, Cout, H', W'), x (B, Cin, H, W), gradWeight (splits, Cout, Cin, kH, kW).
// size = Cin*kH*kW (the GEMM's N).
// Dispatch: (ceil(size / (4*WG_X)), ceil(Cout / (4*WG_Y)), splits). Requires WG_Y % 4 == 0.
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
const MICRO = 4u;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32, reductionChunk: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradWeight: array<f32>;

// gradTile[k * TILE_M + m], colTile[k * TILE_N + n].
var<workgroup> gradTile: array<f32, TILE_K * WG_Y * MICRO>;
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
  let plane = params.outHeight * params.outWidth;
  let image = params.inHeight * params.inWidth;
  let kBegin = wid.z * params.reductionChunk;
  let kEnd = min(kBegin + params.reductionChunk, params.batch * plane);

  // The weight tap (im2col column) this invocation loads, decoded once.
  let loadN = t % tileN;
  let tap = n0 + loadN;
  let validN = tap < params.size;
  let xPlane = (tap / taps) * image;
  let dh = i32(((tap % taps) / params.kernelW) * params.dilationH) - i32(params.padH);
  let dw = i32((tap % params.kernelW) * params.dilationW) - i32(params.padW);

  var acc: array<array<f32, MICRO>, MICRO>;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    for (var e = t; e < TILE_K * tileM; e += threads) {
      let k = k0 + e % TILE_K;
      let m = m0 + e / TILE_K;
      var g = 0.0;
      if (k < kEnd && m < params.outChannels) {
        g = gradOutput[((k / plane) * params.outChannels + m) * plane + k % plane];
      }
      gradTile[(e % TILE_K) * tileM + e / TILE_K] = g;
    }
    for (var kl = t / tileN; kl < TILE_K; kl += threads / tileN) {
      let k = k0 + kl;
      var v = 0.0;
      if (validN && k < kEnd) {
        let pix = k % plane;
        let ih = i32((pix / params.outWidth) * params.strideH) + dh;
        let iw = i32((pix % params.outWidth) * params.strideW) + dw;
        if (ih >= 0 && ih < i32(params.inHeight) && iw >= 0 && iw < i32(params.inWidth)) {
          v = x[(k / plane) * params.inChannels * image + xPlane + u32(ih) * params.inWidth + u32(iw)];
        }
      }
      colTile[kl * tileN + loadN] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var a: array<f32, MICRO>;
      var c: array<f32, MICRO>;
      for (var i = 0u; i < MICRO; i++) {
        a[i] = gradTile[kk * tileM + lid.y * MICRO + i];
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
    for (var j = 0u; j < MICRO; j++) {
      let n = n0 + lid.x * MICRO + j;
      if (n >= params.size) { break; }
      gradWeight[(wid.z * params.outChannels + co) * params.size + n] = acc[i][j];
    }
  }
}
