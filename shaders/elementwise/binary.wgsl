// Elementwise binary op with NumPy/PyTorch broadcasting: y[i] = f(a[ia], b[ib]), f chosen by
// the OP override (codes in packages/kernels/src/ops/binary/index.ts). The TS side collapses
// the broadcast to at most 4 dims; `outShape` is the collapsed output shape (row-major) and
// `aStrides`/`bStrides` are each input's element strides in it, 0 along its broadcast dims.
// `aMode`/`bMode` (MODE_* below) let the common cases skip the index arithmetic, whose integer
// divisions dominate on CPU drivers: an input shaped like the output reads element i, and a
// one-element input reads element 0.
// Bindings: a (numel a), b (numel b), y (size = product of outShape).
// Dispatch: 1-D over size, spread over x and y by dispatch1d.
override OP: u32 = 0u;
override WG: u32 = 256u;

const MODE_BROADCAST = 0u;
const MODE_SAME = 1u;
const MODE_SCALAR = 2u;

struct Params { size: u32, aMode: u32, bMode: u32, outShape: vec4<u32>, aStrides: vec4<u32>, bStrides: vec4<u32> }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// a^b as PyTorch computes it for a < 0 with an integral exponent and for 0^0 = 1; WGSL's pow
// is exp2(v * log2(u)), undefined for u < 0 and NaN for 0^0.
fn power(u: f32, v: f32) -> f32 {
  if (v == 0.0) { return 1.0; }
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

// Element of an input that output element i reads.
fn inputIndex(i: u32, strides: vec4<u32>, mode: u32) -> u32 {
  if (mode == MODE_SAME) { return i; }
  if (mode == MODE_SCALAR) { return 0u; }
  // Row-major 4-D position of output element i, with three divisions (not six).
  let s = params.outShape;
  let q3 = i / s.w;
  let q2 = q3 / s.z;
  let q1 = q2 / s.y;
  return dot(vec4<u32>(q1, q2 - q1 * s.y, q3 - q2 * s.z, i - q3 * s.w), strides);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  y[i] = apply(a[inputIndex(i, params.aStrides, params.aMode)], b[inputIndex(i, params.bStrides, params.bMode)]);
}
