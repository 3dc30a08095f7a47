// Matmul, register-blocked and barrier-free (for CPU Vulkan drivers such as lavapipe, where a
// workgroupBarrier costs a coroutine switch per invocation): each invocation accumulates a 4 x 4
// block of c in four vec4 registers, reading op(a) and op(b) straight from storage.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), op(X) = X or X^T (TRANS_A / TRANS_B), act = none | relu.
// Bindings: a (batch, M, K) or (batch, K, M) when TRANS_A; b (batch, K, N) or (batch, N, K) when
//   TRANS_B; bias (N), read only when HAS_BIAS; c (batch, M, N). All row-major.
// Dispatch: (ceil(N / (4 * WG_X)), ceil(M / (4 * WG_Y)), batch).
// Edges: rows and columns past M and N are clamped to the last one for loading (so the inner loop
// has no branches) and skipped when storing.
override WG_X: u32 = 16u;
override WG_Y: u32 = 4u;
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

// op(b)[i, cols.x..w] of the matrix starting at `base`.
fn loadB(base: u32, i: u32, cols: vec4<u32>) -> vec4<f32> {
  if (TRANS_B == 1u) {
    let at = base + cols * params.k + i;
    return vec4(b[at.x], b[at.y], b[at.z], b[at.w]);
  }
  let at = base + i * params.n + cols;
  return vec4(b[at.x], b[at.y], b[at.z], b[at.w]);
}

fn finish(v: vec4<f32>, biasRow: vec4<f32>) -> vec4<f32> {
  var out = v + biasRow;
  if (ACTIVATION == 1u) { out = max(out, vec4(0.0)); }
  return out;
}

fn store(base: u32, row: u32, col0: u32, v: vec4<f32>) {
  if (row >= params.m) { return; }
  let at = base + row * params.n + col0;
  c[at] = v.x;
  if (col0 + 1u < params.n) { c[at + 1u] = v.y; }
  if (col0 + 2u < params.n) { c[at + 2u] = v.z; }
  if (col0 + 3u < params.n) { c[at + 3u] = v.w; }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col0 = gid.x * 4u;
  let row0 = gid.y * 4u;
  if (row0 >= params.m || col0 >= params.n) { return; }
  let baseA = gid.z * params.m * params.k;
  let baseB = gid.z * params.k * params.n;
  let cols = min(vec4(col0) + vec4(0u, 1u, 2u, 3u), vec4(params.n - 1u));
  let rows = min(vec4(row0) + vec4(0u, 1u, 2u, 3u), vec4(params.m - 1u));
  var acc0 = vec4(0.0);
  var acc1 = vec4(0.0);
  var acc2 = vec4(0.0);
  var acc3 = vec4(0.0);
  for (var i = 0u; i < params.k; i++) {
    let bv = loadB(baseB, i, cols);
    acc0 += loadA(baseA, rows.x, i) * bv;
    acc1 += loadA(baseA, rows.y, i) * bv;
    acc2 += loadA(baseA, rows.z, i) * bv;
    acc3 += loadA(baseA, rows.w, i) * bv;
  }
  var biasRow = vec4(0.0);
  if (HAS_BIAS == 1u) { biasRow = vec4(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]); }
  let baseC = gid.z * params.m * params.n;
  store(baseC, row0, col0, finish(acc0, biasRow));
  store(baseC, row0 + 1u, col0, finish(acc1, biasRow));
  store(baseC, row0 + 2u, col0, finish(acc2, biasRow));
  store(baseC, row0 + 3u, col0, finish(acc3, biasRow));
}
