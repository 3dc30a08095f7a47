// Philox4x32-10, the counter-based random generator every seeded kernel shares (dropout, the
// augmentations). Not a kernel on its own: a dispatcher prepends this file to a shader's source
// (withPhilox in packages/kernels/src/wgsl.ts), since WGSL has no includes. The CPU twin is
// philox4x32 in packages/kernels/src/ops/dropout/reference.ts.
// (high, low) 32-bit halves of the 64-bit product a * b, from 16-bit pieces (WGSL has no mulhi).
fn mulHiLo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lh = al * bh;
  let hl = ah * bl;
  let carry = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(ah * bh + (lh >> 16u) + (hl >> 16u) + (carry >> 16u), a * b);
}

// Philox4x32-10 (Salmon et al., SC'11; the Random123 constants).
fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var n = 0u; n < 10u; n++) {
    let p0 = mulHiLo(0xD2511F53u, c.x);
    let p1 = mulHiLo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k += vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}
