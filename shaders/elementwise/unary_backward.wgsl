// Backward of the elementwise unary op: gradInput[i] = gradOutput[i] * f'(x[i]).
// Tie rules follow PyTorch: relu'(0) = 0, abs'(0) = 0, leakyRelu'(0) = alpha.
// Bindings: x (size), gradOutput (size), gradInput (size). Dispatch: as unary.wgsl.
override OP: u32 = 0u;
override WG: u32 = 256u;

struct Params { size: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(3) var<storage, read_write> gradInput: array<f32>;

fn derivative(v: f32) -> f32 {
  switch OP {
    case 0u: { return select(0.0, 1.0, v > 0.0); }
    case 1u: { return -1.0; }
    case 2u: { return exp(v); }
    case 3u: { return 1.0 / v; }
    case 4u: { return 0.5 / sqrt(v); }
    case 5u: { return sign(v); }
    case 6u: { let s = 1.0 / (1.0 + exp(-v)); return s * (1.0 - s); }
    case 7u: { let t = tanh(v); return 1.0 - t * t; }
    case 8u: { return 2.0 * v; }
    case 9u: { return -1.0 / (v * v); }
    case 10u: { return params.alpha; }
    case 11u: { return select(params.alpha, 1.0, v > 0.0); }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  gradInput[i] = gradOutput[i] * derivative(x[i]);
}
