// SGD update, in place, exactly as torch.optim.SGD (maximize=False):
//   d = grad + weightDecay * param                       (when weightDecay != 0)
//   momentum != 0: buf = d at the first step, else momentum * buf + (1 - dampening) * d;
//                  d = d + momentum * buf (nesterov) or d = buf
//   param = param - lr * d
// Works on any flat range [offset, offset + size) of the buffers, so one dispatch can update
// every parameter of a model laid out in one flat buffer (or one tensor on its own).
// Bindings: param, grad, momentumBuffer: (N) flat buffers with N >= offset + size (momentumBuffer
// is a placeholder and untouched when momentum == 0). Dispatch: 1-D over size, spread by dispatch1d.
override WG: u32 = 256u;

struct Params {
  offset: u32,
  size: u32,
  lr: f32,
  momentum: f32,
  // 1 - dampening, formed in float64 on the host like PyTorch's scalar alpha.
  oneMinusDampening: f32,
  weightDecay: f32,
  nesterov: u32,
  // 1 at the first step: the momentum buffer starts as a copy of d.
  firstStep: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> momentumBuffer: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let k = gid.x + gid.y * groups.x * WG;
  if (k >= params.size) { return; }
  let i = params.offset + k;
  let p = param[i];
  var d = grad[i];
  if (params.weightDecay != 0.0) { d += params.weightDecay * p; }
  if (params.momentum != 0.0) {
    var buf = d;
    if (params.firstStep == 0u) { buf = params.momentum * momentumBuffer[i] + params.oneMinusDampening * d; }
    momentumBuffer[i] = buf;
    if (params.nesterov != 0u) { d += params.momentum * buf; } else { d = buf; }
  }
  param[i] = p - params.lr * d;
}
