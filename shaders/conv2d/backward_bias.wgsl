// conv2d backward to the bias: gradBias[co] = sum_{b, oh, ow} gradOutput[b, co, oh, ow].
// One workgroup per channel: each invocation sums a strided share of each image's H'*W' values
// of the channel, then a tree reduction in workgroup memory; the order is fixed (deterministic).
// NOTE: no early return before the barriers; the workgroup count is exactly Cout.
// Bindings: gradOutput (B, Cout, H', W'), gradBias (Cout).
// Dispatch: (Cout, 1, 1). WG must be a power of two.
override WG: u32 = 64u;

struct Params { batch: u32, channels: u32, plane: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradBias: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let co = wid.x;
  // Image by image, so no index is divided: an integer division is one scalar divide per
  // invocation on CPU drivers, and it cost more than the sum itself.
  var acc = 0.0;
  for (var b = 0u; b < params.batch; b++) {
    let row = (b * params.channels + co) * params.plane;
    for (var e = t; e < params.plane; e += WG) { acc += gradOutput[row + e]; }
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var span = WG / 2u; span > 0u; span /= 2u) {
    if (t < span) { partial[t] += partial[t + span]; }
    workgroupBarrier();
  }
  if (t == 0u) { gradBias[co] = partial[0]; }
}
