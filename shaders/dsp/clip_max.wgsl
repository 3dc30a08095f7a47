// Largest value of each clip: clipMax[b] = max_j x[b, j] over the clip's clipSize values.
// AmplitudeToDB's top_db floor is relative to it (log is monotonic, so the max of the dB values
// is the dB of the max).
// Bindings: x (B, clipSize), clipMax (B).
// Dispatch: (B, 1, 1) workgroups: one clip per workgroup, a tree reduction in workgroup memory.
override WG: u32 = 256u;

struct Params { batch: u32, clipSize: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> clipMax: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.x;
  if (b >= params.batch) { return; }
  var best = -3.402823e38;
  for (var j = lid.x; j < params.clipSize; j += WG) {
    best = max(best, x[b * params.clipSize + j]);
  }
  partial[lid.x] = best;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { partial[lid.x] = max(partial[lid.x], partial[lid.x + stride]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) { clipMax[b] = partial[0]; }
}
