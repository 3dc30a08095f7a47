// Bias gradient of matmul: gradBias[j] = sum over rows r of gradOutput[r, j], where the rows are
// every (batch, M) row of gradOutput (already masked by the relu when one was fused).
// Bindings: gradOutput (rows, N), gradBias (N). Dispatch: ceil(N / WG) workgroups.
// One invocation per column, walking down it: neighbouring invocations read neighbouring
// addresses, and N (a layer's width) is small next to the rows it sums.
override WG: u32 = 64u;

struct Params { rows: u32, n: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradBias: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= params.n) { return; }
  var sum = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    sum += gradOutput[r * params.n + j];
  }
  gradBias[j] = sum;
}
