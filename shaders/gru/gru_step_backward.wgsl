// One time step of a GRU direction's backward through time. The host walks the direction's
// steps last to first (t = T-1 .. 0 forward, 0 .. T-1 reverse), one dispatch each.
// With dh the total gradient of h_t = (1 - z) n + z h_{t-1}:
//   dh = gradOutput[t] + dh_{t+1} * z_{t+1} + gradHh[t+1] @ W_hh   (the carry from the next step)
//   daN = dh (1 - z) (1 - n^2), daZ = dh (h_{t-1} - n) z (1 - z), daR = daN * hn * r (1 - r)
//   gradXProj[t] = (daR, daZ, daN),  gradHh[t] = (daR, daZ, daN * r)
// where hn = W_hn h_{t-1} + b_hn (saved). The weight and bias gradients are matmuls over
// gradXProj and gradHh afterwards.
// Bindings: gradOutput (B, T, D*H) at this direction's columns; gates (B, T, 4H: r, z, n, hn);
// hPrev (B, T, H); weightHh (3H, H); dh (B, T, H) scratch; gradXProj, gradHh (B, T, 3H).
// Dispatch: ceil(B*H / WG) workgroups, one invocation per (b, k).
override WG: u32 = 64u;

struct Params {
  size: u32,          // B * H
  hiddenSize: u32,    // H
  seqLen: u32,        // T
  step: u32,          // t, the time index this dispatch computes
  nextStep: u32,      // t + 1 (forward) or t - 1 (reverse); unused when hasNext is 0
  hasNext: u32,       // 0 at the direction's last step: no carry
  outputStride: u32,  // D * H
  outputOffset: u32,  // d * H
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read> hPrev: array<f32>;
@group(0) @binding(4) var<storage, read> weightHh: array<f32>;
// NOTE: dh and gradHh are read at nextStep and written at step in the same dispatch (read_write).
@group(0) @binding(5) var<storage, read_write> dh: array<f32>;
@group(0) @binding(6) var<storage, read_write> gradXProj: array<f32>;
@group(0) @binding(7) var<storage, read_write> gradHh: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.size) { return; }
  let h = params.hiddenSize;
  let b = i / h;
  let k = i % h;
  let row = b * params.seqLen + params.step;
  var g = gradOutput[row * params.outputStride + params.outputOffset + k];
  if (params.hasNext != 0u) {
    let next = b * params.seqLen + params.nextStep;
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
