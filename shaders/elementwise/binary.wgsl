// Elementwise binary op with NumPy/PyTorch broadcasting: y[i] = f(a[ia], b[ib]), f chosen by
// the OP override (codes in packages/kernels/src/ops/binary/index.ts). The TS side collapses
// the broadcast to at most 4 dims; `outShape` is the collapsed output shape (row-major) and
// `aStrides`/`bStrides` are each input's element strides in it, 0 along its broadcast dims.
// Bindings: a (numel a), b (numel b), y (size = product of outShape).
// Dispatch: 1-D over size, spread over x and y by dispatch1d.
override OP: u32 = 0u;
override WG: u32 = 256u;

struct Params { size: u32, outShape: vec4<u32>, aStrides: vec4<u32>, bStrides: vec4<u32> }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// a^b as PyTorch computes it for a < 0 with an integral exponent; WGSL's pow is undefined for a < 0.
fn power(u: f32, v: f32) -> f32 {
  let m = pow(abs(u), v);
  let oddInteger = v == round(v) && abs(v - 2.0 * round(v * 0.5)) == 1.0;
  return select(m, -m, u < 0.0 && oddInteger);
}

fn apply(u: f32, v: f32) -> f32 {
  switch OP {
    case 0u: { return u + v; }           // add
    case 1u: { return u - v; }           // sub
    case 2u: { return u * v; }           // mul
    case 3u: { return u / v; }           // div
    case 4u: { return max(u, v); }       // max
    case 5u: { return min(u, v); }       // min
    case 6u: { return power(u, v); }     // pow
    default: { return u; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  // Row-major 4-D index of output element i.
  let s = params.outShape;
  let idx = vec4<u32>(i / (s.y * s.z * s.w), (i / (s.z * s.w)) % s.y, (i / s.w) % s.z, i % s.w);
  y[i] = apply(a[dot(idx, params.aStrides)], b[dot(idx, params.bStrides)]);
}
