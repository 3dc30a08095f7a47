// SGD update of up to 4 separate tensors in ONE dispatch (a multi-tensor step), in place, with
// exactly the formula of sgd.wgsl (sgdUpdate from sgd_update.wgsl, prepended by withSgdUpdate).
// Tensor k (slot k) owns the workgroups [firstWorkgroup[k], firstWorkgroup[k + 1]); a slot of
// size 0 owns none. The slots' buffers are separate bindings because a model's parameters are
// separate buffers; WGSL cannot index bindings, hence the branch per slot.
// Bindings: param<k>, grad<k>, momentumBuffer<k>: (size[k]) for k in 0..3 (unused slots and the
// momentum buffers when momentum == 0 are untouched placeholders).
// Dispatch: 1-D over sum_k ceil(size[k] / WG) workgroups, spread by dispatch1d.
override WG: u32 = 256u;

struct Params {
  // Elements per slot (0: unused).
  size: vec4<u32>,
  // Each slot's first workgroup (ascending; an unused slot repeats the total).
  firstWorkgroup: vec4<u32>,
  // 1 where it is that tensor's first step: its momentum buffer starts as a copy of d.
  firstStep: vec4<u32>,
  lr: f32,
  momentum: f32,
  // 1 - dampening, formed in float64 on the host like PyTorch's scalar alpha.
  oneMinusDampening: f32,
  weightDecay: f32,
  nesterov: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param0: array<f32>;
@group(0) @binding(2) var<storage, read> grad0: array<f32>;
@group(0) @binding(3) var<storage, read_write> momentumBuffer0: array<f32>;
@group(0) @binding(4) var<storage, read_write> param1: array<f32>;
@group(0) @binding(5) var<storage, read> grad1: array<f32>;
@group(0) @binding(6) var<storage, read_write> momentumBuffer1: array<f32>;
@group(0) @binding(7) var<storage, read_write> param2: array<f32>;
@group(0) @binding(8) var<storage, read> grad2: array<f32>;
@group(0) @binding(9) var<storage, read_write> momentumBuffer2: array<f32>;
@group(0) @binding(10) var<storage, read_write> param3: array<f32>;
@group(0) @binding(11) var<storage, read> grad3: array<f32>;
@group(0) @binding(12) var<storage, read_write> momentumBuffer3: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = wid.x + wid.y * groups.x;
  let first = params.firstWorkgroup;
  let slot = select(0u, 1u, w >= first.y) + select(0u, 1u, w >= first.z) + select(0u, 1u, w >= first.w);
  let i = (w - first[slot]) * WG + lid;
  if (i >= params.size[slot]) { return; }
  let firstStep = params.firstStep[slot] != 0u;
  let hasMomentum = params.momentum != 0.0;
  // NOTE: an if chain, not a switch: wgsl_reflect misses the bindings used in switch cases.
  if (slot == 0u) {
    var buf = 0.0;
    if (hasMomentum && !firstStep) { buf = momentumBuffer0[i]; }
    let r = sgdUpdate(param0[i], grad0[i], buf, firstStep);
    param0[i] = r.x;
    if (hasMomentum) { momentumBuffer0[i] = r.y; }
  } else if (slot == 1u) {
    var buf = 0.0;
    if (hasMomentum && !firstStep) { buf = momentumBuffer1[i]; }
    let r = sgdUpdate(param1[i], grad1[i], buf, firstStep);
    param1[i] = r.x;
    if (hasMomentum) { momentumBuffer1[i] = r.y; }
  } else if (slot == 2u) {
    var buf = 0.0;
    if (hasMomentum && !firstStep) { buf = momentumBuffer2[i]; }
    let r = sgdUpdate(param2[i], grad2[i], buf, firstStep);
    param2[i] = r.x;
    if (hasMomentum) { momentumBuffer2[i] = r.y; }
  } else {
    var buf = 0.0;
    if (hasMomentum && !firstStep) { buf = momentumBuffer3[i]; }
    let r = sgdUpdate(param3[i], grad3[i], buf, firstStep);
    param3[i] = r.x;
    if (hasMomentum) { momentumBuffer3[i] = r.y; }
  }
}
