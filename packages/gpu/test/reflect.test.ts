import { describe, expect, it } from 'vitest';
import { packUniform, reflectKernel, workgroupSize } from '../src/reflect';

const SOURCE = /* wgsl */ `
override TILE: u32 = 8u;
struct Params { size: u32, alpha: f32, shape: vec4<u32>, offset: i32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(TILE, 4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.size) { return; }
  out[gid.x] = a[gid.x] * params.alpha + f32(params.shape.y) + f32(params.offset);
}`;

describe('reflectKernel', () => {
  it('derives bindings, uniform layout, overrides and workgroup size from the WGSL', () => {
    const r = reflectKernel('t', SOURCE);
    expect(r.entryPoint).toBe('main');
    expect(r.bindings.get('params')).toEqual({ name: 'params', binding: 0, kind: 'uniform' });
    expect(r.bindings.get('a')).toEqual({ name: 'a', binding: 1, kind: 'read-only-storage' });
    expect(r.bindings.get('out')).toEqual({ name: 'out', binding: 2, kind: 'storage' });
    expect(r.params?.members.map((m) => [m.name, m.offset, m.type, m.count])).toEqual([
      ['size', 0, 'u32', 1],
      ['alpha', 4, 'f32', 1],
      ['shape', 16, 'u32', 4],
      ['offset', 32, 'i32', 1],
    ]);
    expect(r.overrides.get('TILE')).toBe(8);
    expect(workgroupSize('t', r, {})).toEqual([8, 4, 1]);
    expect(workgroupSize('t', r, { TILE: 16 })).toEqual([16, 4, 1]);
  });

  it('packs a uniform by member name at the reflected offsets', () => {
    const r = reflectKernel('t', SOURCE);
    const bytes = packUniform('t', r.params!, { size: 7, alpha: 0.5, shape: [1, 2, 3, 4], offset: -3 });
    const view = new DataView(bytes);
    expect(view.getUint32(0, true)).toBe(7);
    expect(view.getFloat32(4, true)).toBe(0.5);
    expect([16, 20, 24, 28].map((o) => view.getUint32(o, true))).toEqual([1, 2, 3, 4]);
    expect(view.getInt32(32, true)).toBe(-3);
  });

  it('names the kernel and the member when a value is missing, extra or out of range', () => {
    const r = reflectKernel('k/name', SOURCE);
    expect(() => packUniform('k/name', r.params!, { size: 1, alpha: 1, shape: [1, 2, 3, 4] })).toThrow(/k\/name.*params\.offset/);
    expect(() => packUniform('k/name', r.params!, { size: 1, alpha: 1, shape: [1, 2, 3, 4], offset: 0, extra: 1 })).toThrow(/no member 'extra'/);
    expect(() => packUniform('k/name', r.params!, { size: -1, alpha: 1, shape: [1, 2, 3, 4], offset: 0 })).toThrow(/not a u32/);
  });

  it('refuses a shader with no compute entry point', () => {
    expect(() => reflectKernel('none', '@group(0) @binding(0) var<storage, read> a: array<f32>;')).toThrow(/exactly one @compute/);
  });
});
