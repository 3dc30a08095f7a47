// A whole GRU direction in one dispatch (the `sequence` variant of gru_step.wgsl, same maths and
// outputs): batch rows are independent, so one workgroup owns row b and walks its T steps itself,
// a storage barrier between steps standing in for the per-step dispatches. Each invocation
// computes hidden units j = lid, lid + WG, … of every step:
//   r = sigmoid(xr + W_hr h + b_hr), z = sigmoid(xz + W_hz h + b_hz),
//   n = tanh(xn + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h,   h = 0 before the first step.
// Bindings: xProj (B*T, 3H), weightHh (3H, H), biasHh (3H); output (B, T, D*H), this direction's
// columns [outputOffset, outputOffset + H); hPrev (B, T, H) and gates (B, T, 4H: r, z, n,
// W_hn h + b_hn) saved for the backward; hidden (D, B, H) after the last step.
// Dispatch: (B) workgroups, one per batch row.
override WG: u32 = 64u;

struct Params {
  batch: u32,         // B
  hiddenSize: u32,    // H
  seqLen: u32,        // T
  reverse: u32,       // 1: steps run t = T-1 .. 0
  outputStride: u32,  // D * H
  outputOffset: u32,  // d * H
  hiddenOffset: u32,  // d * B * H
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> xProj: array<f32>;
@group(0) @binding(2) var<storage, read> weightHh: array<f32>;
@group(0) @binding(3) var<storage, read> biasHh: array<f32>;
// NOTE: each step reads the h the step before wrote here: one read_write binding.
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
@group(0) @binding(5) var<storage, read_write> hPrev: array<f32>;
@group(0) @binding(6) var<storage, read_write> gates: array<f32>;
@group(0) @binding(7) var<storage, read_write> hidden: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // workgroup_id is uniform, so the barriers below stay in uniform control flow.
  let b = wid.x;
  if (b >= params.batch) { return; }
  let h = params.hiddenSize;
  let seqLen = params.seqLen;
  for (var s = 0u; s < seqLen; s++) {
    let t = select(s, seqLen - 1u - s, params.reverse != 0u);
    let tPrev = select(t - 1u, t + 1u, params.reverse != 0u);
    let prevBase = (b * seqLen + tPrev) * params.outputStride + params.outputOffset;
    let row = b * seqLen + t;
    for (var j = lid.x; j < h; j += WG) {
      var hr = biasHh[j];
      var hz = biasHh[h + j];
      var hn = biasHh[2u * h + j];
      var hj = 0.0;
      if (s > 0u) {
        for (var k = 0u; k < h; k++) {
          let hk = output[prevBase + k];
          hr += weightHh[j * h + k] * hk;
          hz += weightHh[(h + j) * h + k] * hk;
          hn += weightHh[(2u * h + j) * h + k] * hk;
        }
        hj = output[prevBase + j];
      }
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
      if (s + 1u == seqLen) { hidden[params.hiddenOffset + b * h + j] = hNew; }
    }
    // Step s's h must be visible to every invocation of the row before step s + 1 reads it.
    storageBarrier();
  }
}
