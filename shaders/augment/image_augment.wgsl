// Random shift and rotation of a batch of images x (B, C, H, W) -> y (B, C, H, W), all channels
// of a sample moved alike. Sample b draws r = philox((0, step, b, TAG), key = (seedLo, seedHi)):
//   dx = r.x % (2 * maxShift + 1) - maxShift,  dy likewise from r.y          (whole pixels)
//   angle = (degreesLo + degreesSpan * unit(r.z)) * pi / 180                 (radians)
// Output pixel (ox, oy) samples x bilinearly at the inverse map about the centre
// (cx, cy) = ((W - 1) / 2, (H - 1) / 2):
//   (u, v) = (ox - dx - cx, oy - dy - cy)
//   (sx, sy) = (cos a * u + sin a * v + cx, -sin a * u + cos a * v + cy)
// taps outside the image read 0. With y pointing down, positive angles turn the content
// clockwise as displayed. Angle 0 is an exact integer shift.
// Bindings: x (B, C, H, W), y (B, C, H, W).
// Dispatch: (ceil(C * H * W / WG), B, 1): x over the pixels of one sample, y over samples.
override WG: u32 = 256u;

// Distinguishes this stream from other users of the same seed (dropout uses tag 0).
const TAG: u32 = 0x494d4147u;

struct Params {
  batch: u32,
  channels: u32,
  height: u32,
  width: u32,
  seedLo: u32,
  seedHi: u32,
  step: u32,
  maxShift: u32,
  degreesLo: f32,
  degreesSpan: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// mulHiLo and philox come from shaders/random/philox.wgsl, prepended by the dispatcher.

// A draw's top 24 bits as a float in [0, 1) (exact in f32).
fn unit(r: u32) -> f32 {
  return f32(r >> 8u) * 5.9604644775390625e-8;
}

// x[plane + row * W + col], or 0 outside the image.
fn tap(plane: u32, row: i32, col: i32) -> f32 {
  if (row < 0 || col < 0 || row >= i32(params.height) || col >= i32(params.width)) { return 0.0; }
  return x[plane + u32(row) * params.width + u32(col)];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let area = params.height * params.width;
  if (gid.x >= params.channels * area || gid.y >= params.batch) { return; }
  let b = gid.y;
  let r = philox(vec4<u32>(0u, params.step, b, TAG), vec2<u32>(params.seedLo, params.seedHi));
  let span = 2u * params.maxShift + 1u;
  let dx = f32(i32(r.x % span) - i32(params.maxShift));
  let dy = f32(i32(r.y % span) - i32(params.maxShift));
  let angle = (params.degreesLo + params.degreesSpan * unit(r.z)) * 0.017453292519943295;
  let c = gid.x / area;
  let p = gid.x - c * area;
  let oy = p / params.width;
  let ox = p - oy * params.width;
  let cx = 0.5 * f32(params.width - 1u);
  let cy = 0.5 * f32(params.height - 1u);
  let u = f32(ox) - dx - cx;
  let v = f32(oy) - dy - cy;
  let cosA = cos(angle);
  let sinA = sin(angle);
  let sx = cosA * u + sinA * v + cx;
  let sy = -sinA * u + cosA * v + cy;
  let x0 = floor(sx);
  let y0 = floor(sy);
  let fx = sx - x0;
  let fy = sy - y0;
  let col = i32(x0);
  let row = i32(y0);
  let plane = (b * params.channels + c) * area;
  let top = tap(plane, row, col) * (1.0 - fx) + tap(plane, row, col + 1) * fx;
  let bottom = tap(plane, row + 1, col) * (1.0 - fx) + tap(plane, row + 1, col + 1) * fx;
  y[plane + p] = top * (1.0 - fy) + bottom * fy;
}
