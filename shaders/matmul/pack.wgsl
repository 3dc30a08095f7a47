// Packs op(x) into panels for the `packed` matmul: panel p of batch z holds columns
// [p * PW, p * PW + PW) of op(x) (depth, width) as `depth` rows of PW contiguous values, zero past
// `width` and past `depth` (to `paddedDepth`, the depth the matmul's unrolled loop steps through),
// so that the matmul streams each panel sequentially (see packed.wgsl for why).
//   packed[z, p, i, j] = op(x)[z, i, p * PW + j] (0 where i >= depth or p * PW + j >= width),
//   op(x)[z, i, w] = x[z * depth * width + i * strideDepth + w * strideWidth].
// Bindings: x (batch, depth * width) in the layout the strides describe;
//   packed (batch, ceil(width / PW), paddedDepth, PW) as vec4 (PW a multiple of 4).
// Dispatch: (ceil(paddedDepth * PW / 4 / WG), ceil(width / PW), batch): one vec4 per invocation.
override WG: u32 = 64u;
override PW: u32 = 16u;

struct Params { width: u32, depth: u32, paddedDepth: u32, strideDepth: u32, strideWidth: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> packed: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.paddedDepth * (PW / 4u)) { return; }
  let quads = PW / 4u;
  let i = gid.x / quads;
  let w0 = gid.y * PW + gid.x % quads * 4u;
  let base = gid.z * params.width * params.depth + i * params.strideDepth;
  var v = vec4(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (i < params.depth && w0 + j < params.width) { v[j] = x[base + (w0 + j) * params.strideWidth]; }
  }
  let panels = (params.width + PW - 1u) / PW;
  packed[(gid.z * panels + gid.y) * params.paddedDepth * quads + gid.x] = v;
}
