// AmplitudeToDB (torchaudio.functional.amplitude_to_DB), elementwise:
//   y = multiplier * log10(max(x, amin)) - multiplier * dbMultiplier
// and, when useTopDb is 1, y = max(y, top - topDb) with top the dB of clipMax[b] (clip_max.wgsl).
// Bindings: x (B, clipSize), clipMax (B; ignored unless useTopDb), y (B, clipSize).
// Dispatch: 1-D over size = B * clipSize (dispatch1d).
override WG: u32 = 256u;

struct Params { size: u32, clipSize: u32, multiplier: f32, amin: f32, dbMultiplier: f32, topDb: f32, useTopDb: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> clipMax: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const LOG10_2: f32 = 0.30102999566398120;

fn toDb(v: f32) -> f32 {
  return params.multiplier * (log2(max(v, params.amin)) * LOG10_2) - params.multiplier * params.dbMultiplier;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.size) { return; }
  var db = toDb(x[i]);
  if (params.useTopDb == 1u) {
    db = max(db, toDb(clipMax[i / params.clipSize]) - params.topDb);
  }
  y[i] = db;
}
