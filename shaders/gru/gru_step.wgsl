// One time step of a GRU direction (PyTorch's torch.nn.GRU, gates ordered r, z, n):
//   r = sigmoid(xr + W_hr h + b_hr), z = sigmoid(xz + W_hz h + b_hz),
//   n = tanh(xn + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h,
// where x* = W_i* x_t + b_i* was computed for every step beforehand by one matmul (xProj).
// The recurrence is sequential in t: the host records one dispatch of this kernel per step, and
// each reads the h that the previous dispatch wrote into `output`.
// Bindings: xProj (B*T, 3H), weightHh (3H, H), biasHh (3H); output (B, T, D*H), this direction's
// columns [outputOffset, outputOffset + H); hPrev (B, T, H) and gates (B, T, 4H: r, z, n, W_hn h + b_hn)
// saved for the backward; hidden (D, B, H) written at the direction's last step.
// Dispatch: ceil(B*H / WG) workgroups, one invocation per (b, j).
override WG: u32 = 64u;

struct Params {
  size: u32,          // B * H
  hiddenSize: u32,    // H
  seqLen: u32,        // T
  step: u32,          // t, the time index this dispatch computes
  prevStep: u32,      // t - 1 (forward) or t + 1 (reverse); unused when hasPrev is 0
  hasPrev: u32,       // 0 at the direction's first step: h = 0 there
  isLast: u32,        // 1 at the direction's last step: also write `hidden`
  outputStride: u32,  // D * H
  outputOffset: u32,  // d * H
  hiddenOffset: u32,  // d * B * H
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xProj: array<f32>;
@group(0) @binding(2) var<storage, read> weightHh: array<f32>;
@group(0) @binding(3) var<storage, read> biasHh: array<f32>;
// NOTE: read (step prevStep) and written (step step) in the same dispatch: one read_write binding,
// since WebGPU forbids binding one buffer both read-only and read-write.
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
@group(0) @binding(5) var<storage, read_write> hPrev: array<f32>;
@group(0) @binding(6) var<storage, read_write> gates: array<f32>;
@group(0) @binding(7) var<storage, read_write> hidden: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.size) { return; }
  let h = params.hiddenSize;
  let b = i / h;
  let j = i % h;
  let prevBase = (b * params.seqLen + params.prevStep) * params.outputStride + params.outputOffset;
  // hh_g = W_hg h + b_hg for g in r, z, n: rows j, H + j, 2H + j of weightHh.
  var hr = biasHh[j];
  var hz = biasHh[h + j];
  var hn = biasHh[2u * h + j];
  var hj = 0.0;
  if (params.hasPrev != 0u) {
    for (var k = 0u; k < h; k++) {
      let hk = output[prevBase + k];
      hr += weightHh[j * h + k] * hk;
      hz += weightHh[(h + j) * h + k] * hk;
      hn += weightHh[(2u * h + j) * h + k] * hk;
    }
    hj = output[prevBase + j];
  }
  let row = b * params.seqLen + params.step;
  let xBase = row * 3u * h;
  let r = 1.0 / (1.0 + exp(-(xProj[xBase + j] + hr)));
  let z = 1.0 / (1.0 + exp(-(xProj[xBase + h + j] + hz)));
  let n = tanh(xProj[xBase + 2u * h + j] + r * hn);
  let hNew = (1.0 - z) * n + z * hj;
  output[row * params.outputStride + params.outputOffset + j] = hNew;
  hPrev[row * h + j] = hj;
  let gBase = row * 4u * h;
  gates[gBase + j] = r;
  gates[gBase + h + j] = z;
  gates[gBase + 2u * h + j] = n;
  gates[gBase + 3u * h + j] = hn;
  if (params.isLast != 0u) { hidden[params.hiddenOffset + i] = hNew; }
}
