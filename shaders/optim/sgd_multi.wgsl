// SGD update of up to 4 separate tensors in ONE dispatch (a multi-tensor step), in place, with
// exactly the formula of sgd.wgsl (sgdUpdate from sgd_update.wgsl, prepended by withSgdUpdate).
// Tensor k (slot k) owns the workgroups [firstWorkgroup[k], firstWorkgroup[k + 1]); a slot of
// size 0 owns none. The slots' buffers are separate bindings because a model's parameters are
// separate buffers; WGSL cannot index bindings, hence the branch per slot.
// Each invocation updates 4 consecutive elements through vec4 loads and stores: lavapipe loads
// lane by lane, a vec4 costs it about two scalar loads (and a quarter of the invocations run).
// The elements of a tensor's last vec4 past its size (the buffers' padding to 16 bytes, which
// the host checks) are loaded and stored back unchanged.
// Bindings: param<k>, grad<k>, momentumBuffer<k>: (size[k], padded to whole vec4s) for k in 0..3
// (unused slots and the momentum buffers when momentum == 0 are untouched placeholders).
// Dispatch: 1-D over sum_k ceil(ceil(size[k] / 4) / WG) workgroups, spread by dispatch1d.
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
@group(0) @binding(1) var<storage, read_write> param0: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> grad0: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> momentumBuffer0: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> param1: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> grad1: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> momentumBuffer1: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> param2: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> grad2: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> momentumBuffer2: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> param3: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read> grad3: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read_write> momentumBuffer3: array<vec4<f32>>;

struct Updated {
  param: vec4<f32>,
  momentumBuffer: vec4<f32>,
}

// sgdUpdate on each live element of a vec4; the others keep their values.
fn update4(p: vec4<f32>, g: vec4<f32>, buf: vec4<f32>, firstStep: bool, live: vec4<bool>) -> Updated {
  var r = Updated(p, buf);
  for (var c = 0u; c < 4u; c++) {
    let u = sgdUpdate(p[c], g[c], buf[c], firstStep);
    r.param[c] = select(p[c], u.x, live[c]);
    r.momentumBuffer[c] = select(buf[c], u.y, live[c]);
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = wid.x + wid.y * groups.x;
  let first = params.firstWorkgroup;
  let slot = select(0u, 1u, w >= first.y) + select(0u, 1u, w >= first.z) + select(0u, 1u, w >= first.w);
  // Vec4 i: elements 4i .. 4i + 3.
  let i = (w - first[slot]) * WG + lid;
  let size = params.size[slot];
  if (4u * i >= size) { return; }
  let live = vec4(4u * i) + vec4(0u, 1u, 2u, 3u) < vec4(size);
  let firstStep = params.firstStep[slot] != 0u;
  let hasMomentum = params.momentum != 0.0;
  // The momentum buffer is read even at a first step (sgdUpdate ignores it there) so that its
  // padding is stored back as it was.
  // NOTE: an if chain, not a switch: wgsl_reflect misses the bindings used in switch cases.
  if (slot == 0u) {
    var buf = vec4(0.0);
    if (hasMomentum) { buf = momentumBuffer0[i]; }
    let r = update4(param0[i], grad0[i], buf, firstStep, live);
    param0[i] = r.param;
    if (hasMomentum) { momentumBuffer0[i] = r.momentumBuffer; }
  } else if (slot == 1u) {
    var buf = vec4(0.0);
    if (hasMomentum) { buf = momentumBuffer1[i]; }
    let r = update4(param1[i], grad1[i], buf, firstStep, live);
    param1[i] = r.param;
    if (hasMomentum) { momentumBuffer1[i] = r.momentumBuffer; }
  } else if (slot == 2u) {
    var buf = vec4(0.0);
    if (hasMomentum) { buf = momentumBuffer2[i]; }
    let r = update4(param2[i], grad2[i], buf, firstStep, live);
    param2[i] = r.param;
    if (hasMomentum) { momentumBuffer2[i] = r.momentumBuffer; }
  } else {
    var buf = vec4(0.0);
    if (hasMomentum) { buf = momentumBuffer3[i]; }
    let r = update4(param3[i], grad3[i], buf, firstStep, live);
    param3[i] = r.param;
    if (hasMomentum) { momentumBuffer3[i] = r.momentumBuffer; }
  }
}
