// Matmul, shared-memory tiled (for discrete GPUs): each workgroup computes a TILE x TILE block
// of c, staging TILE x TILE slices of op(a) and op(b) in workgroup memory between barriers.
//   c[z] = act(op(a[z]) @ op(b[z]) + bias), act = none | relu (params.relu), bias when params.hasBias.
// Bindings: a, b as the params' strides describe (see Params); bias (N), read only when
//   params.hasBias; c (batch, M, N) row-major.
// Dispatch: (ceil(N / TILE), ceil(M / TILE), batch).
// NOTE: no early return: every invocation must reach every workgroupBarrier, so out-of-range
// invocations load zeros and skip only the final store.
override TILE: u32 = 16u;

// op(a)[z, row, i] = a[z * m * k + row * aRow + i * aDepth];
// op(b)[z, i, col] = b[z * k * n + i * bDepth + col * bCol]: (k, 1) and (n, 1) when stored as
// op(a) and op(b), (1, m) and (1, k) when stored transposed.
struct Params { m: u32, n: u32, k: u32, aRow: u32, aDepth: u32, bDepth: u32, bCol: u32, hasBias: u32, relu: u32 }

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
  return a[base + row * params.aRow + i * params.aDepth];
}

// op(b)[i, col], or 0 outside the matrix.
fn loadB(base: u32, i: u32, col: u32) -> f32 {
  if (i >= params.k || col >= params.n) { return 0.0; }
  return b[base + i * params.bDepth + col * params.bCol];
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
  if (params.hasBias == 1u) { sum += bias[col]; }
  if (params.relu == 1u) { sum = max(sum, 0.0); }
  c[wid.z * params.m * params.n + row * params.n + col] = sum;
}
