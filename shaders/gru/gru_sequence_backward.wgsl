// A GRU direction's whole backward through time in one dispatch (the `sequence` variant of
// gru_step_backward.wgsl, same maths and outputs): one workgroup owns batch row b and walks its
// steps last to first, a storage barrier between steps. Each invocation handles hidden units
// k = lid, lid + WG, … With dh the total gradient of h_t = (1 - z) n + z h_{t-1}:
//   dh = gradOutput[t] + dh_{t+1} * z_{t+1} + gradHh[t+1] @ W_hh   (the carry from the next step)
//   daN = dh (1 - z) (1 - n^2), daZ = dh (h_{t-1} - n) z (1 - z), daR = daN * hn * r (1 - r)
//   gradXProj[t] = (daR, daZ, daN),  gradHh[t] = (daR, daZ, daN * r)
// Bindings: gradOutput (B, T, D*H) at this direction's columns; gates (B, T, 4H: r, z, n, hn);
// hPrev (B, T, H); weightHh (3H, H); dh (B, T, H) scratch; gradXProj, gradHh (B, T, 3H).
// Dispatch: (B) workgroups, one per batch row.
override WG: u32 = 64u;

struct Params {
  batch: u32,         // B
  hiddenSize: u32,    // H
  seqLen: u32,        // T
  reverse: u32,       // 1: the forward ran t = T-1 .. 0, so this walks t = 0 .. T-1
  outputStride: u32,  // D * H
  outputOffset: u32,  // d * H
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read> hPrev: array<f32>;
@group(0) @binding(4) var<storage, read> weightHh: array<f32>;
// NOTE: dh and gradHh are read at the step after and written at this one (read_write).
@group(0) @binding(5) var<storage, read_write> dh: array<f32>;
@group(0) @binding(6) var<storage, read_write> gradXProj: array<f32>;
@group(0) @binding(7) var<storage, read_write> gradHh: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // workgroup_id is uniform, so the barriers below stay in uniform control flow.
  let b = wid.x;
  if (b >= params.batch) { return; }
  let h = params.hiddenSize;
  let seqLen = params.seqLen;
  for (var s = 0u; s < seqLen; s++) {
    // s counts from the direction's last step; t is its time index.
    let t = select(seqLen - 1u - s, s, params.reverse != 0u);
    let tNext = select(t + 1u, t - 1u, params.reverse != 0u);
    let row = b * seqLen + t;
    let next = b * seqLen + tNext;
    for (var k = lid.x; k < h; k += WG) {
      var g = gradOutput[row * params.outputStride + params.outputOffset + k];
      if (s > 0u) {
        // h_t reaches h_{t+1} directly through z_{t+1} and through the three W_hh products.
        g += dh[next * h + k] * gates[next * 4u * h + h + k];
        let base = next * 3u * h;
        for (var j = 0u; j < 3u * h; j++) {
          g += gradHh[base + j] * weightHh[j * h + k];
        }
      }
      dh[row * h + k] = g;
      let gBase = row * 4u * h;
      let r = gates[gBase + k];
      let z = gates[gBase + h + k];
      let n = gates[gBase + 2u * h + k];
      let hn = gates[gBase + 3u * h + k];
      let daN = g * (1.0 - z) * (1.0 - n * n);
      let daZ = g * (hPrev[row * h + k] - n) * z * (1.0 - z);
      let daR = daN * hn * r * (1.0 - r);
      let out = row * 3u * h;
      gradXProj[out + k] = daR;
      gradXProj[out + h + k] = daZ;
      gradXProj[out + 2u * h + k] = daN;
      gradHh[out + k] = daR;
      gradHh[out + h + k] = daZ;
      gradHh[out + 2u * h + k] = daN * r;
    }
    // Step t's gradHh and dh must be visible to the whole row before step t - 1 reads them.
    storageBarrier();
  }
}
