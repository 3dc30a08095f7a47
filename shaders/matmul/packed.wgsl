// Matmul on packed operands (for lavapipe with the `subgroups` feature): the `subgroup` schedule
// (each subgroup of 8 invocations computes a 16 x 32 block of c, 16 rows x 4 columns per
// invocation, rows shared by subgroupBroadcast) reading op(a) and op(b) from panels that
// pack.wgsl wrote: per step of K, a block's 16 values of op(a) and 32 of op(b) are contiguous.
// Why: read in place, the 16 rows of a that a subgroup walks lie K floats apart, which for K a
// multiple of 1024 maps them all onto one L1 set, so they evict each other at every step
// (1024^3 ran 1.8x faster with K = 1040 than with K = 1024); packed, each block streams two
// sequential arrays. Packing also removes the transposes and edge clamps from the inner loop.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), act = none | relu.
// Bindings: a: op(a) packed (batch, ceil(M / 16), K, 16); b: op(b) packed
//   (batch, ceil(N / 32), K, 32) as vec4; bias (N), read only when HAS_BIAS; c (batch, M, N).
// Dispatch: (ceil(N / 32), ceil(M / (16 * WG / 8)), batch).
// NOTE: needs subgroups of exactly 8 invocations made of consecutive local_invocation_index (the
// dispatcher checks the size). No early return: subgroupBroadcast must stay in uniform control
// flow, so a subgroup past the last panel recomputes the last one and stores nothing.
enable subgroups;

override WG: u32 = 64u;
override HAS_BIAS: u32 = 0u;
// 0: none, 1: relu.
override ACTIVATION: u32 = 0u;

// NOTE: block sizes are const, not override: function-scope arrays need a const size, and
// pack.wgsl's panel widths (PW) must match them.
const LANES = 8u;
const ROWS = 16u;
const COLS = 32u;

struct Params { m: u32, n: u32, k: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let panels = (params.m + ROWS - 1u) / ROWS;
  let strips = (params.n + COLS - 1u) / COLS;
  let panel = wid.y * (WG / LANES) + li / LANES;
  // This invocation reads rows lane and 8 + lane of the panel, and columns 4 * lane .. + 3 of the strip.
  var aAt = (wid.z * panels + min(panel, panels - 1u)) * params.k * ROWS + lane;
  var bAt = (wid.z * strips + wid.x) * params.k * (COLS / 4u) + lane;
  // acc[r]: c[16 * panel + r, 32 * strip + 4 * lane .. + 3].
  var acc: array<vec4<f32>, ROWS>;
  for (var i = 0u; i < params.k; i++) {
    let bv = b[bAt];
    let lo = a[aAt];
    let hi = a[aAt + LANES];
    // subgroupBroadcast takes a constant lane, hence the unrolled lines.
    acc[0] += subgroupBroadcast(lo, 0u) * bv;
    acc[1] += subgroupBroadcast(lo, 1u) * bv;
    acc[2] += subgroupBroadcast(lo, 2u) * bv;
    acc[3] += subgroupBroadcast(lo, 3u) * bv;
    acc[4] += subgroupBroadcast(lo, 4u) * bv;
    acc[5] += subgroupBroadcast(lo, 5u) * bv;
    acc[6] += subgroupBroadcast(lo, 6u) * bv;
    acc[7] += subgroupBroadcast(lo, 7u) * bv;
    acc[8] += subgroupBroadcast(hi, 0u) * bv;
    acc[9] += subgroupBroadcast(hi, 1u) * bv;
    acc[10] += subgroupBroadcast(hi, 2u) * bv;
    acc[11] += subgroupBroadcast(hi, 3u) * bv;
    acc[12] += subgroupBroadcast(hi, 4u) * bv;
    acc[13] += subgroupBroadcast(hi, 5u) * bv;
    acc[14] += subgroupBroadcast(hi, 6u) * bv;
    acc[15] += subgroupBroadcast(hi, 7u) * bv;
    aAt += ROWS;
    bAt += COLS / 4u;
  }
  let row0 = panel * ROWS;
  let col0 = wid.x * COLS + lane * 4u;
  var biasCols = vec4(0.0);
  if (HAS_BIAS == 1u) {
    let cols = min(vec4(col0) + vec4(0u, 1u, 2u, 3u), vec4(params.n - 1u));
    biasCols = vec4(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]);
  }
  let baseC = wid.z * params.m * params.n;
  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    var v = acc[r] + biasCols;
    if (ACTIVATION == 1u) { v = max(v, vec4(0.0)); }
    for (var j = 0u; j < 4u; j++) {
      if (row < params.m && col0 + j < params.n) { c[baseC + row * params.n + col0 + j] = v[j]; }
    }
  }
}
