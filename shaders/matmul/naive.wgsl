// Matmul, readable baseline: one output element per invocation.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), op(X) = X or X^T (TRANS_A / TRANS_B), act = none | relu.
// Bindings: a (batch, M, K) or (batch, K, M) when TRANS_A; b (batch, K, N) or (batch, N, K) when
//   TRANS_B; bias (N), read only when HAS_BIAS; c (batch, M, N). All row-major.
// Dispatch: (ceil(N / WG_X), ceil(M / WG_Y), batch).
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
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

// op(a)[row, i] of the matrix starting at `base`.
fn loadA(base: u32, row: u32, i: u32) -> f32 {
  if (TRANS_A == 1u) { return a[base + i * params.m + row]; }
  return a[base + row * params.k + i];
}

// op(b)[i, col] of the matrix starting at `base`.
fn loadB(base: u32, i: u32, col: u32) -> f32 {
  if (TRANS_B == 1u) { return b[base + col * params.k + i]; }
  return b[base + i * params.n + col];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x;
  let row = gid.y;
  if (row >= params.m || col >= params.n) { return; }
  let baseA = gid.z * params.m * params.k;
  let baseB = gid.z * params.k * params.n;
  var sum = 0.0;
  for (var i = 0u; i < params.k; i++) {
    sum += loadA(baseA, row, i) * loadB(baseB, i, col);
  }
  if (HAS_BIAS == 1u) { sum += bias[col]; }
  if (ACTIVATION == 1u) { sum = max(sum, 0.0); }
  c[gid.z * params.m * params.n + row * params.n + col] = sum;
}
