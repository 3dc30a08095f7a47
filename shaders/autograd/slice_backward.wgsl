// Backward of slice: gradInput[o, a, i] = gradOutput[o, a - start, i] inside the slice, else 0.
// Writes every element of gradInput, so it needs no zero fill first.
// Bindings: gradOutput (outer, length, inner), gradInput (outer, inputLength, inner).
// Dispatch: 1-D over size = outer * inputLength * inner (dispatch1d).
override WG: u32 = 256u;

struct Params { size: u32, length: u32, inputLength: u32, inner: u32, start: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read_write> gradInput: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  let inner = i % params.inner;
  let a = (i / params.inner) % params.inputLength;
  let o = i / (params.inner * params.inputLength);
  var value = 0.0;
  if (a >= params.start && a < params.start + params.length) {
    value = gradOutput[(o * params.length + a - params.start) * params.inner + inner];
  }
  gradInput[i] = value;
}
