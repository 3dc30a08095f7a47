// Elementwise unary op: y[i] = f(x[i]), f chosen by the OP override (codes in
// packages/kernels/src/ops/unary/index.ts). `alpha` and `beta` parameterise scale and leakyRelu.
// Bindings: x (size), y (size), both read as vec4 (lavapipe loads a vec4 per lane about as fast as
// one float), so each buffer must hold ceil(size / 4) vec4s: the dispatcher pads when it does not.
// Only the first `size` floats of y are written; the padding of a last partial vec4 of x is read
// and ignored. Dispatch: 1-D over ceil(size / (4 * ITEMS)) invocations, spread over x and y by
// dispatch1d; each invocation handles ITEMS vec4s WG apart within its workgroup's run of
// WG * ITEMS, so few workgroups pay the per-workgroup and index overheads.
override OP: u32 = 0u;
override WG: u32 = 64u;
override ITEMS: u32 = 8u;

struct Params { size: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

fn apply(v: vec4<f32>) -> vec4<f32> {
  let zero = vec4<f32>(0.0);
  switch OP {
    case 0u: { return max(v, zero); }                           // relu
    case 1u: { return -v; }                                     // neg
    case 2u: { return exp(v); }                                 // exp
    case 3u: { return log(v); }                                 // log
    case 4u: { return sqrt(v); }                                // sqrt
    case 5u: { return abs(v); }                                 // abs
    case 6u: { return 1.0 / (1.0 + exp(-v)); }                  // sigmoid
    case 7u: { return tanh(v); }                                // tanh
    case 8u: { return v * v; }                                  // square
    case 9u: { return 1.0 / v; }                                // reciprocal
    case 10u: { return params.alpha * v + params.beta; }        // scale
    case 11u: { return select(params.alpha * v, v, v > zero); } // leakyRelu
    default: { return v; }
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
      y[i] = apply(x[i]);
    } else if (i == full) {
      // The last 1-3 floats: write only those, not y's padding.
      let v = apply(x[i]);
      for (var e = 0u; e < params.size - 4u * full; e++) { y[i][e] = v[e]; }
    }
  }
}
