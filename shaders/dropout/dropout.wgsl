// Training-mode dropout driven by a counter-based RNG, so a (seed, step) pair gives the same
// mask on every adapter and in the CPU reference:
//   r = Philox4x32-10(counter = (i / 4, step, 0, 0), key = (seedLo, seedHi))[i % 4]
//   keep[i] = r >= threshold   (threshold = floor(p * 2^32): keep probability 1 - p)
//   y[i] = keep[i] ? x[i] * scale : 0   (scale = 1 / (1 - p))
// The mask is stored packed, bit i % 32 of word i / 32, for the backward (mask must be zeroed
// before the dispatch: invocations OR their 4 bits in).
// Bindings: x (size), y (size), mask: atomic u32 (ceil(size / 32)).
// Dispatch: one invocation per 4 elements (one Philox call), spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, seedLo: u32, seedHi: u32, step: u32, threshold: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> mask: array<atomic<u32>>;

// mulHiLo and philox come from shaders/random/philox.wgsl, prepended by the dispatcher.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let q = gid.x + gid.y * groups.x * WG;
  if (q * 4u >= params.size) { return; }
  let r = philox(vec4<u32>(q, params.step, 0u, 0u), vec2<u32>(params.seedLo, params.seedHi));
  var bits = 0u;
  for (var j = 0u; j < 4u; j++) {
    let i = q * 4u + j;
    if (i >= params.size) { break; }
    let keep = r[j] >= params.threshold;
    y[i] = select(0.0, x[i] * params.scale, keep);
    bits |= select(0u, 1u << j, keep);
  }
  // Quad q fills bits 4 * (q % 8) .. + 3 of word q / 8.
  if (bits != 0u) { atomicOr(&mask[q / 8u], bits << (4u * (q % 8u))); }
}
