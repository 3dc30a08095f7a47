// Shared by the subgroup conv2d kernels (prepended by withSubgroupAccumulate in
// packages/kernels/src/wgsl.ts): the 16-row block of an implicit GEMM whose rows are spread over
// an 8-wide subgroup, rows 0-7 as each lane's `lo` value and rows 8-15 as its `hi` value.
// Declares `enable subgroups`, LANES, ROWS and the HI_ROWS override, and broadcastsHi.
enable subgroups;

const LANES = 8u;
const ROWS = 16u;
// Rows 8 .. 8 + HI_ROWS - 1 of a block are computed (the rows whose `hi` values lanes broadcast):
// a layer with 9-15 rows (lab-cnn's 10 channels) skips the 16 - rows that would be thrown away,
// where lavapipe spends most of a multiply-add's cost (the masked update of a spilled
// accumulator); the rows past them are never stored.
override HI_ROWS: u32 = 8u;

// Whether this lane's `hi` value is one anyone broadcasts (lanes below HI_ROWS): the others skip
// its load (lavapipe loads lane by lane, so a masked-off lane costs a branch, not a load: 2-4% of
// lab-cnn's conv forward, 10 channels, alternating).
fn broadcastsHi(lane: u32) -> bool {
  return HI_ROWS == LANES || lane < HI_ROWS;
}

// acc[r] += (row r's value) * v: rows 0-7 from the lanes' `lo`, 8-15 from their `hi`.
// On lavapipe a storage load is one scalar load per lane even when all lanes read one address;
// a broadcast is one shuffle.
fn accumulate(acc: ptr<function, array<vec4<f32>, ROWS>>, lo: f32, hi: f32, v: vec4<f32>) {
  // subgroupBroadcast takes a constant lane, hence the unrolled lines.
  (*acc)[0] = fma(vec4(subgroupBroadcast(lo, 0u)), v, (*acc)[0]);
  (*acc)[1] = fma(vec4(subgroupBroadcast(lo, 1u)), v, (*acc)[1]);
  (*acc)[2] = fma(vec4(subgroupBroadcast(lo, 2u)), v, (*acc)[2]);
  (*acc)[3] = fma(vec4(subgroupBroadcast(lo, 3u)), v, (*acc)[3]);
  (*acc)[4] = fma(vec4(subgroupBroadcast(lo, 4u)), v, (*acc)[4]);
  (*acc)[5] = fma(vec4(subgroupBroadcast(lo, 5u)), v, (*acc)[5]);
  (*acc)[6] = fma(vec4(subgroupBroadcast(lo, 6u)), v, (*acc)[6]);
  (*acc)[7] = fma(vec4(subgroupBroadcast(lo, 7u)), v, (*acc)[7]);
  if (HI_ROWS > 0u) { (*acc)[8] = fma(vec4(subgroupBroadcast(hi, 0u)), v, (*acc)[8]); }
  if (HI_ROWS > 1u) { (*acc)[9] = fma(vec4(subgroupBroadcast(hi, 1u)), v, (*acc)[9]); }
  if (HI_ROWS > 2u) { (*acc)[10] = fma(vec4(subgroupBroadcast(hi, 2u)), v, (*acc)[10]); }
  if (HI_ROWS > 3u) { (*acc)[11] = fma(vec4(subgroupBroadcast(hi, 3u)), v, (*acc)[11]); }
  if (HI_ROWS > 4u) { (*acc)[12] = fma(vec4(subgroupBroadcast(hi, 4u)), v, (*acc)[12]); }
  if (HI_ROWS > 5u) { (*acc)[13] = fma(vec4(subgroupBroadcast(hi, 5u)), v, (*acc)[13]); }
  if (HI_ROWS > 6u) { (*acc)[14] = fma(vec4(subgroupBroadcast(hi, 6u)), v, (*acc)[14]); }
  if (HI_ROWS > 7u) { (*acc)[15] = fma(vec4(subgroupBroadcast(hi, 7u)), v, (*acc)[15]); }
}
