// Per-sample cross-entropy of logits (rows, classes) against class labels, with optional
// label smoothing eps (torch.nn.functional.cross_entropy's): losses[n] = rowLoss(n), from
// row_loss.wgsl (prepended by withCrossEntropyRow).
// Bindings: logits (rows * classes), labels: u32 (rows), losses (rows).
// Dispatch: one invocation per row (classifier heads have few classes), spread by dispatch1d.
override WG: u32 = 64u;

struct Params { rows: u32, classes: u32, smoothing: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let n = gid.x + gid.y * groups.x * WG;
  if (n >= params.rows) { return; }
  losses[n] = rowLoss(n);
}
