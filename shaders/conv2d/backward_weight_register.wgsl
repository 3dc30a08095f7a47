// conv2d backward to the weight, register-blocked without barriers (for CPU drivers): each
// invocation computes CO_BLOCK output channels x TAP_BLOCK consecutive (ci, kh, kw) taps, summing
// over B, H', W' in a fixed order, so each gradOutput value is used TAP_BLOCK times and each
// input value CO_BLOCK times. Maths as backward_weight.wgsl.
// The batch may be split in chunks of batchChunk images (split-K: a layer has few weights but a
// long reduction, and few invocations leave cores idle): split s sums images
// [s*batchChunk, (s+1)*batchChunk) into gradWeight[s] and backward_weight_reduce.wgsl adds the
// splits in order (deterministic). With one split, gradWeight is the final gradient.
// Bindings: gradOutput (B, Cout, H', W'), x (B, Cin, H, W), gradWeight (splits, Cout, Cin, kH, kW).
// Dispatch: x/y spread by dispatch1d over size = ceil(Cin*kH*kW / TAP_BLOCK) tap blocks;
// z = ceil(Cout/CO_BLOCK) * splits, split-major. CO_BLOCK and TAP_BLOCK are at most MAX_BLOCK.
override WG: u32 = 16u;
override CO_BLOCK: u32 = 4u;
override TAP_BLOCK: u32 = 4u;
const MAX_BLOCK = 16u;

struct Params {
  size: u32, batch: u32, inChannels: u32, inHeight: u32, inWidth: u32, outChannels: u32, outHeight: u32,
  outWidth: u32, kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
  dilationH: u32, dilationW: u32, batchChunk: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradWeight: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let taps = params.kernelH * params.kernelW;
  let depth = params.inChannels * taps;
  let tap0 = i * TAP_BLOCK;
  let coBlocks = (params.outChannels + CO_BLOCK - 1u) / CO_BLOCK;
  let co0 = (gid.z % coBlocks) * CO_BLOCK;
  let split = gid.z / coBlocks;
  let batchEnd = min((split + 1u) * params.batchChunk, params.batch);
  let plane = params.outHeight * params.outWidth;
  let image = params.inHeight * params.inWidth;
  // Each tap of the block, decoded once: input plane offset and the kernel's spatial offsets.
  // Taps past the end repeat the last tap (valid memory) and are never written.
  var xPlane: array<u32, MAX_BLOCK>;
  var dh: array<i32, MAX_BLOCK>;
  var dw: array<i32, MAX_BLOCK>;
  for (var j = 0u; j < TAP_BLOCK; j++) {
    let k = min(tap0 + j, depth - 1u);
    xPlane[j] = (k / taps) * image;
    dh[j] = i32(((k % taps) / params.kernelW) * params.dilationH) - i32(params.padH);
    dw[j] = i32((k % params.kernelW) * params.dilationW) - i32(params.padW);
  }
  var goPlane: array<u32, MAX_BLOCK>;
  for (var c = 0u; c < CO_BLOCK; c++) { goPlane[c] = min(co0 + c, params.outChannels - 1u) * plane; }
  var acc: array<array<f32, MAX_BLOCK>, MAX_BLOCK>;
  for (var b = split * params.batchChunk; b < batchEnd; b++) {
    let goImage = b * params.outChannels * plane;
    let xImage = b * params.inChannels * image;
    for (var oh = 0u; oh < params.outHeight; oh++) {
      for (var ow = 0u; ow < params.outWidth; ow++) {
        var xv: array<f32, MAX_BLOCK>;
        for (var j = 0u; j < TAP_BLOCK; j++) {
          let ih = i32(oh * params.strideH) + dh[j];
          let iw = i32(ow * params.strideW) + dw[j];
          xv[j] = 0.0;
          if (ih >= 0 && ih < i32(params.inHeight) && iw >= 0 && iw < i32(params.inWidth)) {
            xv[j] = x[xImage + xPlane[j] + u32(ih) * params.inWidth + u32(iw)];
          }
        }
        let pix = goImage + oh * params.outWidth + ow;
        for (var c = 0u; c < CO_BLOCK; c++) {
          let g = gradOutput[pix + goPlane[c]];
          for (var j = 0u; j < TAP_BLOCK; j++) { acc[c][j] = fma(g, xv[j], acc[c][j]); }
        }
      }
    }
  }
  let out = split * params.outChannels * depth;
  for (var c = 0u; c < CO_BLOCK; c++) {
    let co = co0 + c;
    if (co >= params.outChannels) { break; }
    for (var j = 0u; j < TAP_BLOCK; j++) {
      if (tap0 + j >= depth) { break; }
      gradWeight[out + co * depth + tap0 + j] = acc[c][j];
    }
  }
}
