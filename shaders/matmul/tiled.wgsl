// Matmul, shared-memory tiled (for discrete GPUs): each workgroup computes a TILE x TILE block
// of c, staging TILE x TILE slices of op(a) and op(b) in workgroup memory between barriers.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), op(X) = X or X^T (TRANS_A / TRANS_B), act = none | relu.
// Bindings: a (batch, M, K) or (batch, K, M) when TRANS_A; b (batch, K, N) or (batch, N, K) when
//   TRANS_B; bias (N), read only when HAS_BIAS; c (batch, M, N). All row-major.
// Dispatch: (ceil(N / TILE), ceil(M / TILE), batch).
// NOTE: no early return: every invocation must reach every workgroupBarrier, so out-of-range
// invocations load zeros and skip only the final store.
override TILE: u32 = 16u;
override TRANS_A: u32 = 0u;
override TRANS_B: u32 = 0u;
override HAS_BIAS: u32 = 0u;
// 0: none, 1: relu.
override ACTIVATION: u32 = 0u;

struct Params { m: u32, n: u32, k: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// tileA[r * TILE + i] = op(a)[row0 + r, k0 + i]; tileB[i * TILE + j] = op(b)[k0 + i, col0 + j].
var<workgroup> tileA: array<f32, TILE * TILE>;
var<workgroup> tileB: array<f32, TILE * TILE>;

// op(a)[row, i], or 0 outside the matrix.
fn loadA(base: u32, row: u32, i: u32) -> f32 {
  if (row >= params.m || i >= params.k) { return 0.0; }
  if (TRANS_A == 1u) { return a[base + i * params.m + row]; }
  return a[base + row * params.k + i];
}

// op(b)[i, col], or 0 outside the matrix.
fn loadB(base: u32, i: u32, col: u32) -> f32 {
  if (i >= params.k || col >= params.n) { return 0.0; }
  if (TRANS_B == 1u) { return b[base + col * params.k + i]; }
  return b[base + i * params.n + col];
}

@compute @workgroup_size(TILE, TILE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.y * TILE + lid.y;
  let col = wid.x * TILE + lid.x;
  let baseA = wid.z * params.m * params.k;
  let baseB = wid.z * params.k * params.n;
  var sum = 0.0;
  for (var k0 = 0u; k0 < params.k; k0 += TILE) {
    // Each invocation stages one element of each tile: row lid.y, column lid.x.
    tileA[lid.y * TILE + lid.x] = loadA(baseA, row, k0 + lid.x);
    tileB[lid.y * TILE + lid.x] = loadB(baseB, k0 + lid.y, col);
    workgroupBarrier();
    for (var i = 0u; i < TILE; i++) {
      sum += tileA[lid.y * TILE + i] * tileB[i * TILE + lid.x];
    }
    workgroupBarrier();
  }
  if (row >= params.m || col >= params.n) { return; }
  if (HAS_BIAS == 1u) { sum += bias[col]; }
  if (ACTIVATION == 1u) { sum = max(sum, 0.0); }
  c[wid.z * params.m * params.n + row * params.n + col] = sum;
}
