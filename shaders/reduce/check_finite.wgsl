// Non-finite check: if any x[i] is NaN or +-Inf, flags[params.slot] |= params.bit. The test
// is on the bits (exponent all ones), not on x != x, which a compiler may fold away assuming
// finite math. Many dispatches may OR different bits into one slot (a training step checks its
// loss and every gradient into the step's slot); the host reads the flags with the metrics.
// Bindings: x (size) f32, flags (slots) u32 atomics. Dispatch: 1-D over size (dispatch1d).
override WG: u32 = 256u;

struct Params { size: u32, slot: u32, bit: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> flags: array<atomic<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  if ((bitcast<u32>(x[i]) & 0x7f800000u) == 0x7f800000u) {
    atomicOr(&flags[params.slot], params.bit);
  }
}
