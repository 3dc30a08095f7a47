// Shared by sgd.wgsl and sgd_multi.wgsl: prepended to their source by withSgdUpdate() in
// packages/kernels/src/wgsl.ts, so the one-tensor and multi-tensor steps apply one formula.
// The shader declares `params` with lr, momentum, oneMinusDampening, weightDecay and nesterov.

// torch.optim.SGD (maximize=False):
//   d = grad + weightDecay * param                       (when weightDecay != 0)
//   momentum != 0: buf = d at the first step, else momentum * buf + (1 - dampening) * d;
//                  d = d + momentum * buf (nesterov) or d = buf
//   param = param - lr * d
// Returns (new param, new momentum buffer); buf is ignored at the first step and when
// momentum == 0.
fn sgdUpdate(p: f32, g: f32, buf: f32, firstStep: bool) -> vec2<f32> {
  var d = g;
  if (params.weightDecay != 0.0) { d += params.weightDecay * p; }
  var next = buf;
  if (params.momentum != 0.0) {
    next = d;
    if (!firstStep) { next = params.momentum * buf + params.oneMinusDampening * d; }
    if (params.nesterov != 0u) { d += params.momentum * next; } else { d = next; }
  }
  return vec2<f32>(p - params.lr * d, next);
}
