// conv2d backward to the weight as an implicit GEMM with subgroup broadcasts (for lavapipe with
// the `subgroups` feature; the scheme of shaders/matmul/subgroup.wgsl):
//   gradWeight[co, n] = sum_k gradOutput[b, co, oh, ow] * col[k, n]   rows co = Cout,
//   columns n = (ci, kh, kw), k = (b, oh, ow), col the im2col matrix of x read on the fly.
// Maths as backward_weight.wgsl. Each subgroup of 8 invocations computes 16 channels x 32
// consecutive taps; each invocation holds 16 channels x 4 taps in registers, loads its 4 input
// values and the gradOutput values of channels co0 + lane and co0 + 8 + lane per (b, oh, ow),
// and gets the other 14 by subgroupBroadcast (one shuffle on lavapipe, where a storage load is
// one scalar load per lane).
// The batch is split in chunks of batchChunk images (split-K: a layer has few weights and a long
// reduction): split s sums images [s*batchChunk, (s+1)*batchChunk) in a fixed order into
// gradWeight[s], and backward_weight_reduce.wgsl adds the splits in order (deterministic).
// For a first layer (no gradInput wanted) with a fused relu and a bias, RELU_BIAS folds the two
// kernels that would run before this one into it: the gradient is gradOutput * (y > 0), y the
// relu's output, and the columns run one past Cin*kH*kW, a column of ones whose sums are gradBias.
// backward_weight_reduce.wgsl then sorts that column out into gradBias.
// Bindings: gradOutput (B, Cout, H', W'), x (B, Cin, H, W), y (B, Cout, H', W'; read only with
// RELU_BIAS), gradWeight (splits, Cout, columns) with columns = size (+ 1 with RELU_BIAS).
// Dispatch: x/y spread by dispatch1d over the columns in workgroups of 4*WG columns;
// z = ceil(Cout / 16) * splits, split-major. params.size = Cin*kH*kW.
// Prepended: subgroup_accumulate.wgsl (enable subgroups, LANES, ROWS, HI_ROWS, broadcastsHi,
// accumulate).
// NOTE: needs subgroups of exactly 8 consecutive invocations; no early return (uniform control
// flow for subgroupBroadcast): channels and taps past the end are clamped, never stored.
override WG: u32 = 8u;

override RELU_BIAS: bool = false;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32, batchChunk: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> gradWeight: array<f32>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let wgIndex = wid.x + wid.y * groups.x;
  let col0 = (wgIndex * (WG / LANES) + li / LANES) * (LANES * 4u) + lane * 4u;
  let rowBlocks = (params.outChannels + ROWS - 1u) / ROWS;
  let row0 = (wid.z % rowBlocks) * ROWS;
  let split = wid.z / rowBlocks;
  let batchEnd = min((split + 1u) * params.batchChunk, params.batch);
  let taps = params.kernelH * params.kernelW;
  let plane = params.outHeight * params.outWidth;
  let image = params.inHeight * params.inWidth;
  let columns = params.size + select(0u, 1u, RELU_BIAS);
  // Each tap of the block, decoded once: input plane offset and the kernel's spatial offsets.
  // Taps past the end repeat the last tap (valid memory) and are never written; the column of
  // ones reads the last tap too and replaces its value.
  var xPlane: array<u32, 4>;
  var dh: array<i32, 4>;
  var dw: array<i32, 4>;
  var ones: vec4<bool>;
  for (var j = 0u; j < 4u; j++) {
    ones[j] = RELU_BIAS && col0 + j == params.size;
    let n = min(col0 + j, params.size - 1u);
    xPlane[j] = (n / taps) * image;
    dh[j] = i32(((n % taps) / params.kernelW) * params.dilationH) - i32(params.padH);
    dw[j] = i32((n % params.kernelW) * params.dilationW) - i32(params.padW);
  }
  // This invocation loads gradOutput of channels row0 + lane and row0 + 8 + lane.
  let goLo = min(row0 + lane, params.outChannels - 1u) * plane;
  let goHi = min(row0 + LANES + lane, params.outChannels - 1u) * plane;
  // acc[r]: gradWeight[row0 + r, col0 .. col0 + 3].
  var acc: array<vec4<f32>, ROWS>;
  for (var b = split * params.batchChunk; b < batchEnd; b++) {
    let goImage = b * params.outChannels * plane;
    let xImage = b * params.inChannels * image;
    for (var oh = 0u; oh < params.outHeight; oh++) {
      // Row offset of each tap's input; rows outside the image read offset 0 and use 0.
      var rowAt: array<u32, 4>;
      var rowInside: array<bool, 4>;
      for (var j = 0u; j < 4u; j++) {
        let ih = i32(oh * params.strideH) + dh[j];
        rowInside[j] = ih >= 0 && ih < i32(params.inHeight);
        rowAt[j] = select(0u, xImage + xPlane[j] + u32(ih) * params.inWidth, rowInside[j]);
      }
      let goRow = goImage + oh * params.outWidth;
      for (var ow = 0u; ow < params.outWidth; ow++) {
        var at: vec4<u32>;
        var inside: vec4<bool>;
        for (var j = 0u; j < 4u; j++) {
          let iw = i32(ow * params.strideW) + dw[j];
          inside[j] = rowInside[j] && iw >= 0 && iw < i32(params.inWidth);
          at[j] = select(0u, rowAt[j] + u32(iw), inside[j]);
        }
        let xv = select(select(vec4(0.0), vec4(x[at.x], x[at.y], x[at.z], x[at.w]), inside), vec4(1.0), ones);
        var lo = gradOutput[goRow + goLo + ow];
        // relu'(y) from the relu's output: y > 0 exactly where its input was > 0.
        if (RELU_BIAS) { lo = select(0.0, lo, y[goRow + goLo + ow] > 0.0); }
        var hi = 0.0;
        if (broadcastsHi(lane)) {
          hi = gradOutput[goRow + goHi + ow];
          if (RELU_BIAS) { hi = select(0.0, hi, y[goRow + goHi + ow] > 0.0); }
        }
        accumulate(&acc, lo, hi, xv);
      }
    }
  }
  let out = split * params.outChannels * columns;
  for (var r = 0u; r < ROWS; r++) {
    let co = row0 + r;
    if (co >= params.outChannels) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + j;
      if (n >= columns) { break; }
      gradWeight[out + co * columns + n] = acc[r][j];
    }
  }
}
