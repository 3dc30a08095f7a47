// max_pool2d backward as a gather: one invocation per input element sums gradOutput over the
// windows whose recorded argmax is this element. Correct when windows overlap (kernel > stride)
// and deterministic (fixed order, no atomics).
//   gradInput[b, c, ih, iw] = sum over (oh, ow) with indices[b, c, oh, ow] == ih*W + iw
//                             of gradOutput[b, c, oh, ow]
// only windows containing (ih, iw) can name it: oh in [ceil((ih + pH - kH + 1) / sH), (ih + pH) / sH].
// Bindings: gradOutput (B, C, H', W'), indices (B, C, H', W') u32, gradInput (B, C, H, W).
// Dispatch: 1-D over size = B*C*H*W, spread over x and y by dispatch1d.
override WG: u32 = 64u;

struct Params {
  size: u32, inHeight: u32, inWidth: u32, outHeight: u32, outWidth: u32,
  kernelH: u32, kernelW: u32, strideH: u32, strideW: u32, padH: u32, padW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

// Output positions whose window [o*s - p, o*s - p + k) contains `at`: [first, last).
fn windows(at: u32, kernel: u32, stride: u32, pad: u32, outSize: u32) -> vec2<u32> {
  let reach = i32(at + pad) - i32(kernel) + 1;
  let first = select(0u, (u32(reach) + stride - 1u) / stride, reach > 0);
  let last = min((at + pad) / stride + 1u, outSize);
  return vec2<u32>(first, last);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let iw = i % params.inWidth;
  let ih = (i / params.inWidth) % params.inHeight;
  let plane = i / (params.inWidth * params.inHeight);
  let me = ih * params.inWidth + iw;
  let rows = windows(ih, params.kernelH, params.strideH, params.padH, params.outHeight);
  let cols = windows(iw, params.kernelW, params.strideW, params.padW, params.outWidth);
  var acc = 0.0;
  for (var oh = rows.x; oh < rows.y; oh++) {
    let rowBase = (plane * params.outHeight + oh) * params.outWidth;
    for (var ow = cols.x; ow < cols.y; ow++) {
      if (indices[rowBase + ow] == me) { acc += gradOutput[rowBase + ow]; }
    }
  }
  gradInput[i] = acc;
}
