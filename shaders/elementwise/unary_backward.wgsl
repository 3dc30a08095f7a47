// Backward of the elementwise unary op: gradInput[i] = gradOutput[i] * f'(x[i]).
// Tie rules follow PyTorch: relu'(0) = 0, abs'(0) = 0, leakyRelu'(0) = alpha.
// Bindings: x (size), gradOutput (size), gradInput (size), as vec4 with the padding rules and the
// dispatch of unary.wgsl (ITEMS vec4s per invocation, WG apart).
override OP: u32 = 0u;
override WG: u32 = 64u;
override ITEMS: u32 = 8u;

struct Params { size: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gradOutput: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<vec4<f32>>;

fn derivative(v: vec4<f32>) -> vec4<f32> {
  let zero = vec4<f32>(0.0);
  let one = vec4<f32>(1.0);
  switch OP {
    case 0u: { return select(zero, one, v > zero); }
    case 1u: { return -one; }
    case 2u: { return exp(v); }
    case 3u: { return 1.0 / v; }
    case 4u: { return 0.5 / sqrt(v); }
    case 5u: { return sign(v); }
    case 6u: { let s = 1.0 / (1.0 + exp(-v)); return s * (1.0 - s); }
    case 7u: { let t = tanh(v); return 1.0 - t * t; }
    case 8u: { return 2.0 * v; }
    case 9u: { return -1.0 / (v * v); }
    case 10u: { return vec4<f32>(params.alpha); }
    case 11u: { return select(vec4<f32>(params.alpha), one, v > zero); }
    default: { return one; }
  }
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let group = wid.x + wid.y * groups.x;
  let full = params.size / 4u;
  if (group * WG * ITEMS > full) { return; }
  let first = group * WG * ITEMS + lid;
  for (var k = 0u; k < ITEMS; k++) {
    let i = first + k * WG;
    if (i < full) {
      gradInput[i] = gradOutput[i] * derivative(x[i]);
    } else if (i == full) {
      // The last 1-3 floats: write only those, not gradInput's padding.
      let g = gradOutput[i] * derivative(x[i]);
      for (var e = 0u; e < params.size - 4u * full; e++) { gradInput[i][e] = g[e]; }
    }
  }
}
