// Backward of the broadcasting binary op, for ONE input (the WRT override: 0 = a, 1 = b):
//   gradInput[j] = sum over the output positions p that read input element j of
//                  gradOutput[p] * df/d(input)(a[ia(p)], b[ib(p)]).
// One invocation per element of that input loops over the dims it was broadcast along, in a
// fixed order, so the sum is deterministic (no atomics). Shapes are the collapsed <= 4-D ones
// of binary.wgsl; `inShape` is the differentiated input's shape in that frame (1 where it was
// broadcast). Tie rule: max/min send the gradient to `a` when a == b. When the input has the
// output's shape (inMode MODE_SAME) there is nothing to sum and the loops are skipped;
// `aMode`/`bMode` skip index arithmetic as in binary.wgsl.
// Bindings: a, b, gradOutput (product of outShape), gradInput (size = product of inShape).
// Dispatch: 1-D over size, spread over x and y by dispatch1d.
override OP: u32 = 0u;
override WRT: u32 = 0u;
override WG: u32 = 256u;

const MODE_BROADCAST = 0u;
const MODE_SAME = 1u;
const MODE_SCALAR = 2u;

struct Params {
  size: u32,
  inMode: u32,
  aMode: u32,
  bMode: u32,
  outShape: vec4<u32>,
  inShape: vec4<u32>,
  aStrides: vec4<u32>,
  bStrides: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(4) var<storage, read_write> gradInput: array<f32>;

// d f(u, v) / du when WRT = 0, d f(u, v) / dv when WRT = 1.
fn derivative(u: f32, v: f32) -> f32 {
  let wrtA = WRT == 0u;
  switch OP {
    case 0u: { return 1.0; }                                                  // add
    case 1u: { return select(-1.0, 1.0, wrtA); }                              // sub
    case 2u: { return select(u, v, wrtA); }                                   // mul
    case 3u: { return select(-u / (v * v), 1.0 / v, wrtA); }                  // div
    case 4u: { return select(select(0.0, 1.0, u < v), select(0.0, 1.0, u >= v), wrtA); } // max
    case 5u: { return select(select(0.0, 1.0, u > v), select(0.0, 1.0, u <= v), wrtA); } // min
    case 6u: {                                                                // pow
      if (wrtA) {
        let m = pow(abs(u), v - 1.0);
        let e = v - 1.0;
        let oddInteger = e == round(e) && abs(e - 2.0 * round(e * 0.5)) == 1.0;
        return v * select(m, -m, u < 0.0 && oddInteger);
      }
      // u^v * ln(u): defined for u > 0 only; 0 elsewhere (PyTorch gives NaN for u < 0).
      return select(0.0, pow(u, v) * log(u), u > 0.0);
    }
    default: { return 0.0; }
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
  let j = gid.x + gid.y * groups.x * WG;
  if (j >= params.size) { return; }
  if (params.inMode == MODE_SAME) {
    // Input element j is output element j, read once.
    let u = a[inputIndex(j, params.aStrides, params.aMode)];
    let v = b[inputIndex(j, params.bStrides, params.bMode)];
    gradInput[j] = gradOutput[j] * derivative(u, v);
    return;
  }
  let n = params.inShape;
  let base = vec4<u32>(j / (n.y * n.z * n.w), (j / (n.z * n.w)) % n.y, (j / n.w) % n.z, j % n.w);
  let s = params.outShape;
  // Along a broadcast dim (input 1, output > 1) loop over the output; elsewhere stay at base.
  let span = select(vec4<u32>(1u), s, n != s);
  let outStrides = vec4<u32>(s.y * s.z * s.w, s.z * s.w, s.w, 1u);
  var total = 0.0;
  for (var p0 = 0u; p0 < span.x; p0++) {
    for (var p1 = 0u; p1 < span.y; p1++) {
      for (var p2 = 0u; p2 < span.z; p2++) {
        for (var p3 = 0u; p3 < span.w; p3++) {
          let p = base + vec4<u32>(p0, p1, p2, p3);
          let g = gradOutput[dot(p, outStrides)];
          total += g * derivative(a[dot(p, params.aStrides)], b[dot(p, params.bStrides)]);
        }
      }
    }
  }
  gradInput[j] = total;
}
