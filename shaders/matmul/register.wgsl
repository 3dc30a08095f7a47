// Matmul, register-blocked and barrier-free (for CPU Vulkan drivers such as lavapipe): each
// invocation accumulates an 8 x 8 block of c (8 rows, two vec4 of columns) in registers, reading
// op(a) and op(b) straight from storage.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), act = none | relu (params.relu), bias when params.hasBias.
// Bindings: a, b as the params' strides describe (see Params); bias (N), read only when
//   params.hasBias; c (batch, M, N) row-major.
// Dispatch: (ceil(N / (8 * WG_X)), ceil(M / (8 * WG_Y)), batch).
// Why this shape: lavapipe runs 8 invocations per SIMD vector, and every storage load is split
// into one scalar load per invocation (there is no vector gather), so loads, not FMAs, set the
// speed. An R x C block costs R + C loads per step of K for R * C multiply-adds: 8 x 8 measured
// ~1.5x faster than 4 x 4 there, and no workgroupBarrier is used (each one is a coroutine switch
// per invocation on lavapipe).
// Edges: rows and columns past M and N are clamped to the last one for loading (so the inner loop
// has no branches) and skipped when storing.
override WG_X: u32 = 16u;
override WG_Y: u32 = 4u;

// NOTE: block sizes are const, not override: function-scope arrays need a const size.
const ROWS = 8u;

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

// Bias, activation and a store that skips columns past N.
fn store(base: u32, row: u32, col0: u32, sum: vec4<f32>, biasCols: vec4<f32>) {
  var v = sum + biasCols;
  if (params.relu == 1u) { v = max(v, vec4(0.0)); }
  let at = base + row * params.n + col0;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + j < params.n) { c[at + j] = v[j]; }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col0 = gid.x * 8u;
  let row0 = gid.y * ROWS;
  if (row0 >= params.m || col0 >= params.n) { return; }
  let baseA = gid.z * params.m * params.k;
  let baseB = gid.z * params.k * params.n;
  let lastCol = vec4(params.n - 1u);
  let colsL = min(vec4(col0) + vec4(0u, 1u, 2u, 3u), lastCol);
  let colsR = min(vec4(col0) + vec4(4u, 5u, 6u, 7u), lastCol);
  var rows: array<u32, ROWS>;
  for (var r = 0u; r < ROWS; r++) { rows[r] = min(row0 + r, params.m - 1u); }
  // accL[r], accR[r]: c[row0 + r, col0 .. col0 + 3] and [col0 + 4 .. col0 + 7].
  var accL: array<vec4<f32>, ROWS>;
  var accR: array<vec4<f32>, ROWS>;
  for (var i = 0u; i < params.k; i++) {
    let bL = loadB(baseB, i, colsL);
    let bR = loadB(baseB, i, colsR);
    for (var r = 0u; r < ROWS; r++) {
      let av = loadA(baseA, rows[r], i);
      accL[r] += av * bL;
      accR[r] += av * bR;
    }
  }
  var biasL = vec4(0.0);
  var biasR = vec4(0.0);
  if (params.hasBias == 1u) {
    biasL = vec4(bias[colsL.x], bias[colsL.y], bias[colsL.z], bias[colsL.w]);
    biasR = vec4(bias[colsR.x], bias[colsR.y], bias[colsR.z], bias[colsR.w]);
  }
  let baseC = gid.z * params.m * params.n;
  for (var r = 0u; r < ROWS; r++) {
    if (row0 + r < params.m) {
      store(baseC, row0 + r, col0, accL[r], biasL);
      store(baseC, row0 + r, col0 + 4u, accR[r], biasR);
    }
  }
}
