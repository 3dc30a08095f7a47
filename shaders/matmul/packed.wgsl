// Matmul on packed operands (for lavapipe with the `subgroups` feature): each subgroup of 8
// invocations computes a 32 x 64 block of c, each invocation 32 rows x 8 columns (two vec4) in
// registers. Per step of K an invocation loads one vec4 of op(a) (4 of the block's 32 rows) and
// two of op(b) (its 8 columns) from panels that pack.wgsl wrote, and gets the other 28 rows'
// values from its neighbours with subgroupBroadcast (one vector shuffle on lavapipe, where a
// storage load costs a branch and a scalar load per invocation and component).
// Why packed: read in place, the rows of a that a subgroup walks lie K floats apart, which for K a
// multiple of 1024 maps them all onto one L1 set, so they evict each other at every step
// (`subgroup` ran 1.8x faster with K = 1040 than with K = 1024); packed, a block streams two
// sequential arrays, with no transposes or edge clamps left in the inner loop. Why 32 x 64: 3
// loads per 2048 multiply-adds; taller or wider blocks spill more accumulators than they save.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), act = none | relu (params.relu), bias when params.hasBias.
// Bindings: a: op(a) packed (batch, ceil(M / 32), K, 32) as vec4; b: op(b) packed
//   (batch, ceil(N / 64), K, 64) as vec4; bias (N), read only when params.hasBias; c (batch, M, N).
// Dispatch: (ceil(N / 64), ceil(M / (32 * WG / 8)), batch).
// NOTE: needs subgroups of exactly 8 invocations made of consecutive local_invocation_index (the
// dispatcher checks the size). No early return: subgroupBroadcast must stay in uniform control
// flow, so a subgroup past the last panel recomputes the last one and stores nothing.
enable subgroups;

override WG: u32 = 64u;

// NOTE: block sizes are const, not override: function-scope arrays need a const size, and
// pack.wgsl's panel widths (PW) must match them.
const LANES = 8u;
const ROWS = 32u;
const COLS = 64u;

// Bias and activation are params, not overrides, as in the other matmul variants: one pipeline
// fewer to compile per combination (see subgroup.wgsl).
struct Params { m: u32, n: u32, k: u32, hasBias: u32, relu: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Rows r .. r + 3 of one step: acc0[r + e] += av[e] * b0 and acc1[r + e] += av[e] * b1.
fn rows4(acc0: ptr<function, array<vec4<f32>, ROWS>>, acc1: ptr<function, array<vec4<f32>, ROWS>>, r: u32, av: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>) {
  (*acc0)[r] += av.x * b0;
  (*acc1)[r] += av.x * b1;
  (*acc0)[r + 1u] += av.y * b0;
  (*acc1)[r + 1u] += av.y * b1;
  (*acc0)[r + 2u] += av.z * b0;
  (*acc1)[r + 2u] += av.z * b1;
  (*acc0)[r + 3u] += av.w * b0;
  (*acc1)[r + 3u] += av.w * b1;
}

// Bias, activation and a store that skips rows past M and columns past N.
fn store(base: u32, row: u32, col0: u32, sum: vec4<f32>) {
  var v = sum;
  if (params.hasBias == 1u) {
    let cols = min(vec4(col0) + vec4(0u, 1u, 2u, 3u), vec4(params.n - 1u));
    v += vec4(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]);
  }
  if (params.relu == 1u) { v = max(v, vec4(0.0)); }
  for (var j = 0u; j < 4u; j++) {
    if (row < params.m && col0 + j < params.n) { c[base + row * params.n + col0 + j] = v[j]; }
  }
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let panels = (params.m + ROWS - 1u) / ROWS;
  let strips = (params.n + COLS - 1u) / COLS;
  let panel = wid.y * (WG / LANES) + li / LANES;
  // This invocation reads rows 4 * lane .. + 3 of the panel and columns 4 * lane .. + 3 and
  // 32 + 4 * lane .. + 3 of the strip.
  var aAt = (wid.z * panels + min(panel, panels - 1u)) * params.k * (ROWS / 4u) + lane;
  var bAt = (wid.z * strips + wid.x) * params.k * (COLS / 4u) + lane;
  // acc0[r], acc1[r]: c[32 * panel + r, 64 * strip + 4 * lane .. + 3] and [.. + 32 + 4 * lane ..].
  var acc0: array<vec4<f32>, ROWS>;
  var acc1: array<vec4<f32>, ROWS>;
  for (var i = 0u; i < params.k; i++) {
    let av = a[aAt];
    let b0 = b[bAt];
    let b1 = b[bAt + LANES];
    // subgroupBroadcast takes a constant lane, hence the unrolled lines: lane j holds rows 4j .. 4j + 3.
    rows4(&acc0, &acc1, 0u, subgroupBroadcast(av, 0u), b0, b1);
    rows4(&acc0, &acc1, 4u, subgroupBroadcast(av, 1u), b0, b1);
    rows4(&acc0, &acc1, 8u, subgroupBroadcast(av, 2u), b0, b1);
    rows4(&acc0, &acc1, 12u, subgroupBroadcast(av, 3u), b0, b1);
    rows4(&acc0, &acc1, 16u, subgroupBroadcast(av, 4u), b0, b1);
    rows4(&acc0, &acc1, 20u, subgroupBroadcast(av, 5u), b0, b1);
    rows4(&acc0, &acc1, 24u, subgroupBroadcast(av, 6u), b0, b1);
    rows4(&acc0, &acc1, 28u, subgroupBroadcast(av, 7u), b0, b1);
    aAt += ROWS / 4u;
    bAt += COLS / 4u;
  }
  let row0 = panel * ROWS;
  let col0 = wid.x * COLS + lane * 4u;
  let baseC = wid.z * params.m * params.n;
  for (var r = 0u; r < ROWS; r++) {
    store(baseC, row0 + r, col0, acc0[r]);
    store(baseC, row0 + r, col0 + 32u, acc1[r]);
  }
}
