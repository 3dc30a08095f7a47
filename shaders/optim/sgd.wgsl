// SGD update, in place, exactly as torch.optim.SGD (maximize=False): sgdUpdate from
// sgd_update.wgsl (prepended by withSgdUpdate).
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
  let firstStep = params.firstStep != 0u;
  let hasMomentum = params.momentum != 0.0;
  var buf = 0.0;
  if (hasMomentum && !firstStep) { buf = momentumBuffer[i]; }
  let r = sgdUpdate(param[i], grad[i], buf, firstStep);
  param[i] = r.x;
  if (hasMomentum) { momentumBuffer[i] = r.y; }
}
