// Matmul on packed operands (for lavapipe with the `subgroups` feature): each subgroup of 8
// invocations computes a 32 x 64 block of c, each invocation 32 rows x 8 columns (two vec4) in
// registers. Per two steps of K an invocation loads two vec4 of op(a) (4 of the block's 32 rows at
// each step) and four of op(b) (its 8 columns at each step) from panels that pack.wgsl wrote, and
// gets the other 28 rows' values from its neighbours with subgroupBroadcast (one vector shuffle on
// lavapipe, where a storage load costs a branch and a scalar load per invocation and component).
// Why packed: read in place, the rows of a that a subgroup walks lie K floats apart, which for K a
// multiple of 1024 maps them all onto one L1 set, so they evict each other at every step
// (`subgroup` ran 1.8x faster with K = 1040 than with K = 1024); packed, a block streams two
// sequential arrays, with no transposes or edge clamps left in the inner loop. Why 32 x 64: 3
// loads per 2048 multiply-adds; taller or wider blocks spill more accumulators than they save.
// Why two steps of K per iteration: lavapipe keeps the 256 accumulators on the stack and, inside
// the loop, stores each through the execution mask (load, blend, store) once per iteration; two
// steps share that cost (1.17-1.24x at 1024^3, side by side). Four steps measured slower
// (likely the loop body: about 8,300 instructions, over 32 KiB of code). lavapipe emits no fused
// multiply-add (fma() compiled to a multiply and an add), so the sums are written plainly.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), act = none | relu (params.relu), bias when params.hasBias.
// Bindings: a: op(a) packed (batch, ceil(M / 32), params.k, 32) as vec4; b: op(b) packed
//   (batch, ceil(N / 64), params.k, 64) as vec4, where params.k is K rounded up to even (the
//   panels' rows past K are zero); bias (N), read only when params.hasBias; c (batch, M, N).
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
// fewer to compile per combination (see subgroup.wgsl). k is the panels' depth: K rounded up to even.
struct Params { m: u32, n: u32, k: u32, hasBias: u32, relu: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Rows r .. r + 3 over two steps of K: x0, x1 hold those rows' values of op(a) at steps 0 and 1,
// p0/q0 and p1/q1 the two column vectors of op(b) at steps 0 and 1.
fn rows4(acc0: ptr<function, array<vec4<f32>, ROWS>>, acc1: ptr<function, array<vec4<f32>, ROWS>>, r: u32,
         x0: vec4<f32>, x1: vec4<f32>, p0: vec4<f32>, p1: vec4<f32>, q0: vec4<f32>, q1: vec4<f32>) {
  (*acc0)[r] += x0.x * p0 + x1.x * p1;
  (*acc1)[r] += x0.x * q0 + x1.x * q1;
  (*acc0)[r + 1u] += x0.y * p0 + x1.y * p1;
  (*acc1)[r + 1u] += x0.y * q0 + x1.y * q1;
  (*acc0)[r + 2u] += x0.z * p0 + x1.z * p1;
  (*acc1)[r + 2u] += x0.z * q0 + x1.z * q1;
  (*acc0)[r + 3u] += x0.w * p0 + x1.w * p1;
  (*acc1)[r + 3u] += x0.w * q0 + x1.w * q1;
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
  for (var i = 0u; i < params.k; i += 2u) {
    // Steps i and i + 1: the panels' rows are ROWS / 4 and COLS / 4 vec4 long.
    let a0 = a[aAt];
    let a1 = a[aAt + ROWS / 4u];
    let p0 = b[bAt];
    let q0 = b[bAt + LANES];
    let p1 = b[bAt + COLS / 4u];
    let q1 = b[bAt + COLS / 4u + LANES];
    rows4(&acc0, &acc1, 0u, subgroupBroadcast(a0, 0u), subgroupBroadcast(a1, 0u), p0, p1, q0, q1);
    rows4(&acc0, &acc1, 4u, subgroupBroadcast(a0, 1u), subgroupBroadcast(a1, 1u), p0, p1, q0, q1);
    rows4(&acc0, &acc1, 8u, subgroupBroadcast(a0, 2u), subgroupBroadcast(a1, 2u), p0, p1, q0, q1);
    rows4(&acc0, &acc1, 12u, subgroupBroadcast(a0, 3u), subgroupBroadcast(a1, 3u), p0, p1, q0, q1);
    rows4(&acc0, &acc1, 16u, subgroupBroadcast(a0, 4u), subgroupBroadcast(a1, 4u), p0, p1, q0, q1);
    rows4(&acc0, &acc1, 20u, subgroupBroadcast(a0, 5u), subgroupBroadcast(a1, 5u), p0, p1, q0, q1);
    rows4(&acc0, &acc1, 24u, subgroupBroadcast(a0, 6u), subgroupBroadcast(a1, 6u), p0, p1, q0, q1);
    rows4(&acc0, &acc1, 28u, subgroupBroadcast(a0, 7u), subgroupBroadcast(a1, 7u), p0, p1, q0, q1);
    aAt += ROWS / 2u;
    bAt += COLS / 2u;
  }
  let row0 = panel * ROWS;
  let col0 = wid.x * COLS + lane * 4u;
  let baseC = wid.z * params.m * params.n;
  for (var r = 0u; r < ROWS; r++) {
    store(baseC, row0 + r, col0, acc0[r]);
    store(baseC, row0 + r, col0 + 32u, acc1[r]);
  }
}
