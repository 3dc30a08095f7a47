// Backward of dropout with the mask the forward stored (bit i % 32 of word i / 32):
//   gradInput[i] = keep[i] ? gradOutput[i] * scale : 0
// Bindings: mask: u32 (ceil(size / 32)), gradOutput (size), gradInput (size).
// Dispatch: 1-D over size, spread over x and y by dispatch1d.
override WG: u32 = 256u;

struct Params { size: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> mask: array<u32>;
@group(0) @binding(2) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let keep = ((mask[i / 32u] >> (i % 32u)) & 1u) == 1u;
  gradInput[i] = select(0.0, gradOutput[i] * params.scale, keep);
}
