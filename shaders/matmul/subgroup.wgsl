// Matmul, register-blocked with subgroup broadcasts (for lavapipe with the `subgroups` feature):
// each subgroup of 8 invocations computes a 16 x 32 block of c; each invocation holds 16 rows x
// 4 columns in registers. Per step of K an invocation loads 2 values of op(a) (rows lane and
// 8 + lane of the block) and one vec4 of op(b), and gets the other 14 rows' values from its
// neighbours with subgroupBroadcast, which lavapipe does with one vector shuffle where a storage
// load costs one scalar load per invocation: about 2x the `register` variant there.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), act = none | relu (params.relu), bias when params.hasBias.
// Bindings: a, b as the params' strides describe (see Params); bias (N), read only when
//   params.hasBias; c (batch, M, N) row-major.
// Transposes, bias and activation are params, not overrides: lavapipe compiles each pipeline at
// its first dispatch for about a second, and a Linear layer's forward and two backward products
// then share one pipeline instead of compiling three (the lab-cnn's cold first step).
// Dispatch: (ceil(N / 32), ceil(M / (16 * WG / 8)), batch).
// NOTE: needs subgroups of exactly 8 invocations made of consecutive local_invocation_index
// (lavapipe on 256-bit SIMD); the dispatcher checks the size. No early return: subgroupBroadcast
// must stay in uniform control flow, so out-of-range rows and columns are clamped for loading and
// skipped when storing.
enable subgroups;

override WG: u32 = 64u;

// NOTE: block sizes are const, not override: function-scope arrays need a const size.
const LANES = 8u;
const ROWS = 16u;

// op(a)[z, row, i] = a[z * m * k + row * aRow + i * aDepth];
// op(b)[z, i, col] = b[z * k * n + i * bDepth + col * bCol]: (k, 1) and (n, 1) when stored as
// op(a) and op(b), (1, m) and (1, k) when stored transposed.
struct Params { m: u32, n: u32, k: u32, aRow: u32, aDepth: u32, bDepth: u32, bCol: u32, hasBias: u32, relu: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// op(a)[row, i] of the matrix starting at `base`.
fn loadA(base: u32, row: u32, i: u32) -> f32 {
  return a[base + row * params.aRow + i * params.aDepth];
}

// op(b)[i, cols.x..w] of the matrix starting at `base`.
fn loadB(base: u32, i: u32, cols: vec4<u32>) -> vec4<f32> {
  let at = base + i * params.bDepth + cols * params.bCol;
  return vec4(b[at.x], b[at.y], b[at.z], b[at.w]);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let row0 = (wid.y * (WG / LANES) + li / LANES) * ROWS;
  let col0 = (wid.x * LANES + lane) * 4u;
  let baseA = wid.z * params.m * params.k;
  let baseB = wid.z * params.k * params.n;
  let cols = min(vec4(col0) + vec4(0u, 1u, 2u, 3u), vec4(params.n - 1u));
  // This invocation loads rows row0 + lane and row0 + 8 + lane for the whole subgroup.
  let rowLo = min(row0 + lane, params.m - 1u);
  let rowHi = min(row0 + LANES + lane, params.m - 1u);
  // acc[r]: c[row0 + r, col0 .. col0 + 3].
  var acc: array<vec4<f32>, ROWS>;
  for (var i = 0u; i < params.k; i++) {
    let bv = loadB(baseB, i, cols);
    let lo = loadA(baseA, rowLo, i);
    let hi = loadA(baseA, rowHi, i);
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
  }
  var biasCols = vec4(0.0);
  if (params.hasBias == 1u) { biasCols = vec4(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]); }
  let baseC = wid.z * params.m * params.n;
  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    var v = acc[r] + biasCols;
    if (params.relu == 1u) { v = max(v, vec4(0.0)); }
    for (var j = 0u; j < 4u; j++) {
      if (row < params.m && col0 + j < params.n) { c[baseC + row * params.n + col0 + j] = v[j]; }
    }
  }
}
