// Shared by the kernels that reduce one sample per workgroup (spec_augment, wave_augment,
// band_normalize): prepended to their source by withWorkgroupSum() in packages/kernels/src/wgsl.ts.
// The shader declares `override WG` (a power of two) and `var<workgroup> partial: array<f32, WG>`.

// Sum of `v` over the workgroup; every invocation gets the total. Call it in uniform control flow;
// the leading barrier lets a shader call it more than once (partial may still be read).
fn workgroupSum(lid: u32, v: f32) -> f32 {
  workgroupBarrier();
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  return partial[0];
}
