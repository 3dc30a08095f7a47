// Elementwise unary op: y[i] = f(x[i]), f chosen by the OP override (codes in
// packages/kernels/src/ops/unary/index.ts). `alpha` and `beta` parameterise scale and leakyRelu.
// Bindings: x (size), y (size). Dispatch: 1-D over size, spread over x and y by dispatch1d.
override OP: u32 = 0u;
override WG: u32 = 256u;

struct Params { size: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn apply(v: f32) -> f32 {
  switch OP {
    case 0u: { return max(v, 0.0); }                       // relu
    case 1u: { return -v; }                                 // neg
    case 2u: { return exp(v); }                             // exp
    case 3u: { return log(v); }                             // log
    case 4u: { return sqrt(v); }                            // sqrt
    case 5u: { return abs(v); }                             // abs
    case 6u: { return 1.0 / (1.0 + exp(-v)); }              // sigmoid
    case 7u: { return tanh(v); }                            // tanh
    case 8u: { return v * v; }                              // square
    case 9u: { return 1.0 / v; }                            // reciprocal
    case 10u: { return params.alpha * v + params.beta; }    // scale
    case 11u: { return select(params.alpha * v, v, v > 0.0); } // leakyRelu
    default: { return v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  y[i] = apply(x[i]);
}
