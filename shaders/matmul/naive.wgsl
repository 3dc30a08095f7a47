// Matmul, readable baseline: one output element per invocation.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), act = none | relu (params.relu), bias when params.hasBias.
// Bindings: a, b as the params' strides describe (see Params); bias (N), read only when
//   params.hasBias; c (batch, M, N) row-major.
// Dispatch: (ceil(N / WG_X), ceil(M / WG_Y), batch).
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;

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

// op(b)[i, col] of the matrix starting at `base`.
fn loadB(base: u32, i: u32, col: u32) -> f32 {
  return b[base + i * params.bDepth + col * params.bCol];
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
  if (params.hasBias == 1u) { sum += bias[col]; }
  if (params.relu == 1u) { sum = max(sum, 0.0); }
  c[gid.z * params.m * params.n + row * params.n + col] = sum;
}
