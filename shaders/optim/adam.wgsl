// Adam / AdamW update, in place, exactly as torch.optim.Adam / AdamW (amsgrad=False,
// maximize=False), with t the step count after this step:
//   Adam:  g = grad + weightDecay * param               (L2 penalty; weightDecay is 0 for AdamW)
//   AdamW: param = param * decay, decay = 1 - lr * wd   (decoupled; decay is 1 for Adam)
//   expAvg   = beta1 * expAvg   + (1 - beta1) * g
//   expAvgSq = beta2 * expAvgSq + (1 - beta2) * g * g
//   param    = param - stepSize * expAvg / (sqrt(expAvgSq) / biasCorrection2Sqrt + eps)
// where stepSize = lr / (1 - beta1^t) and biasCorrection2Sqrt = sqrt(1 - beta2^t) come from
// the host in float64. Like sgd.wgsl it updates a flat range [offset, offset + size), so one
// dispatch covers every parameter of a model laid out in one flat buffer.
// Bindings: param, grad, expAvg, expAvgSq: (N) flat buffers with N >= offset + size (the state
// zeroed before the first step). Dispatch: 1-D over size, spread by dispatch1d.
override WG: u32 = 256u;

struct Params {
  offset: u32,
  size: u32,
  beta1: f32,
  // 1 - beta1 and 1 - beta2, formed in float64 on the host like PyTorch's scalar alphas.
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
  weightDecay: f32,
  decay: f32,
  stepSize: f32,
  biasCorrection2Sqrt: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> expAvg: array<f32>;
@group(0) @binding(4) var<storage, read_write> expAvgSq: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let k = gid.x + gid.y * groups.x * WG;
  if (k >= params.size) { return; }
  let i = params.offset + k;
  var p = param[i];
  var g = grad[i];
  if (params.weightDecay != 0.0) { g += params.weightDecay * p; }
  p *= params.decay;
  let m = params.beta1 * expAvg[i] + params.oneMinusBeta1 * g;
  let v = params.beta2 * expAvgSq[i] + params.oneMinusBeta2 * g * g;
  expAvg[i] = m;
  expAvgSq[i] = v;
  param[i] = p - params.stepSize * (m / (sqrt(v) / params.biasCorrection2Sqrt + params.eps));
}
