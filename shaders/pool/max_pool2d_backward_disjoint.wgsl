// max_pool2d backward when the windows tile the input without overlap (kernel == stride, no
// padding): each input element lies in at most one window, so the invocation owning an OUTPUT
// element writes that whole window, gradOutput at the recorded argmax and 0 elsewhere, with no
// search over windows (max_pool2d_backward.wgsl is the general gather). The last window of a row /
// column also writes the rows / columns that floor(H / k) leaves uncovered (zeros), so every
// element of gradInput is written exactly once and no clear is needed.
//   gradInput[b, c, ih, iw] = gradOutput[b, c, ih / kH, iw / kW] if indices[…] == ih*W + iw, else 0
// Bindings: gradOutput (B, C, H', W'), indices (B, C, H', W') u32, gradInput (B, C, H, W).
// Dispatch: (ceil(H' * runs / WG), B*C, 1) with runs = ceil(W' / ITEMS): workgroup y is the plane
// b*C + c, and each invocation handles a run of ITEMS consecutive outputs of one row (as the
// forward), locating the run with one division.
override WG: u32 = 64u;
override ITEMS: u32 = 8u;

struct Params {
  inHeight: u32, inWidth: u32, outHeight: u32, outWidth: u32, runs: u32, kernelH: u32, kernelW: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x * WG + lid;
  if (r >= params.outHeight * params.runs) { return; }
  let oh = r / params.runs;
  let ow0 = (r - oh * params.runs) * ITEMS;
  let outRow = (wid.y * params.outHeight + oh) * params.outWidth;
  let plane = wid.y * params.inHeight * params.inWidth;
  let h0 = oh * params.kernelH;
  // The last window of a column (row) also covers the rows (columns) no window reaches.
  let h1 = select(h0 + params.kernelH, params.inHeight, oh + 1u == params.outHeight);
  for (var k = 0u; k < ITEMS; k++) {
    let ow = ow0 + k;
    if (ow >= params.outWidth) { break; }
    let g = gradOutput[outRow + ow];
    let best = indices[outRow + ow];
    let w0 = ow * params.kernelW;
    let w1 = select(w0 + params.kernelW, params.inWidth, ow + 1u == params.outWidth);
    for (var ih = h0; ih < h1; ih++) {
      for (var iw = w0; iw < w1; iw++) {
        let me = ih * params.inWidth + iw;
        gradInput[plane + me] = select(0.0, g, me == best);
      }
    }
  }
}
