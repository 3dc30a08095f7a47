/**
 * Reads a kernel's interface from its WGSL with wgsl_reflect, so bind group layouts, uniform
 * layouts and workgroup sizes are never written twice by hand.
 */
import { WgslReflect, ResourceType, type VariableInfo } from 'wgsl_reflect/wgsl_reflect.module.js';

export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

export interface BindingInfo {
  readonly name: string;
  readonly binding: number;
  readonly kind: BindingKind;
}

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface UniformMember {
  readonly name: string;
  /** Byte offset inside the uniform struct. */
  readonly offset: number;
  readonly type: ScalarType;
  /** 1 for a scalar, N for vecN. */
  readonly count: number;
}

export interface UniformLayout {
  /** Name of the uniform variable (by convention `params`). */
  readonly name: string;
  readonly size: number;
  readonly members: readonly UniformMember[];
}

export interface KernelReflection {
  readonly entryPoint: string;
  readonly bindings: ReadonlyMap<string, BindingInfo>;
  /** The single uniform struct, if the kernel has one. */
  readonly params: UniformLayout | null;
  /** Override constants with the defaults they have in the WGSL (null when none is given). */
  readonly overrides: ReadonlyMap<string, number | null>;
  /** Workgroup size as written: numbers, or names of override constants. */
  readonly workgroupSizeExpr: readonly (number | string)[];
}

/** Reflects one compute kernel. Throws (naming the kernel) unless there is exactly one @compute entry in group 0. */
export function reflectKernel(name: string, source: string): KernelReflection {
  const reflect = new WgslReflect(source);
  const entries = reflect.entry.compute;
  if (entries.length !== 1) {
    throw new Error(`kernel '${name}': expected exactly one @compute entry point, found ${entries.length}`);
  }
  const entry = entries[0];
  const bindings = new Map<string, BindingInfo>();
  let params: UniformLayout | null = null;
  for (const variable of entry.resources) {
    if (variable.group !== 0) {
      throw new Error(`kernel '${name}': binding '${variable.name}' is in group ${variable.group}; Duet kernels use group 0 only`);
    }
    const kind = bindingKind(name, variable);
    bindings.set(variable.name, { name: variable.name, binding: variable.binding, kind });
    if (kind === 'uniform') {
      if (params) throw new Error(`kernel '${name}': more than one uniform binding`);
      params = uniformLayout(name, variable);
    }
  }
  const overrides = new Map<string, number | null>();
  for (const o of reflect.overrides) overrides.set(o.name, overrideDefault(source, o.name));
  const attribute = entry.attributes?.find((a) => a.name === 'workgroup_size');
  const raw = attribute ? (Array.isArray(attribute.value) ? attribute.value : [attribute.value]) : ['1'];
  const workgroupSizeExpr = raw.map((v) => (/^\d+u?$/.test(String(v)) ? parseInt(String(v), 10) : String(v)));
  return { entryPoint: entry.name, bindings, params, overrides, workgroupSizeExpr };
}

/** Resolves the workgroup size for the given override values. */
export function workgroupSize(
  kernel: string,
  reflection: KernelReflection,
  overrides: Readonly<Record<string, number>>,
): [number, number, number] {
  const size = reflection.workgroupSizeExpr.map((expr) => {
    if (typeof expr === 'number') return expr;
    const value = overrides[expr] ?? reflection.overrides.get(expr);
    if (value === undefined || value === null) {
      throw new Error(`kernel '${kernel}': workgroup size '${expr}' is neither a number nor an override with a value`);
    }
    return value;
  });
  while (size.length < 3) size.push(1);
  return [size[0], size[1], size[2]];
}

function bindingKind(kernel: string, variable: VariableInfo): BindingKind {
  if (variable.resourceType === ResourceType.Uniform) return 'uniform';
  if (variable.resourceType === ResourceType.Storage) {
    return variable.access === 'read_write' ? 'storage' : 'read-only-storage';
  }
  throw new Error(`kernel '${kernel}': binding '${variable.name}' is not a buffer; Duet kernels bind buffers only`);
}

function uniformLayout(kernel: string, variable: VariableInfo): UniformLayout {
  const members = (variable.members ?? []).map((m): UniformMember => {
    const typeName = m.type.name;
    if (typeName === 'u32' || typeName === 'i32' || typeName === 'f32') {
      return { name: m.name, offset: m.offset, type: typeName, count: 1 };
    }
    const vec = /^vec([234])$/.exec(typeName);
    const format = m.format?.name;
    if (vec && (format === 'u32' || format === 'i32' || format === 'f32')) {
      return { name: m.name, offset: m.offset, type: format, count: Number(vec[1]) };
    }
    throw new Error(`kernel '${kernel}': uniform member '${m.name}' has type ${typeName}; use u32, i32, f32 or vecN of them`);
  });
  return { name: variable.name, size: variable.size, members };
}

function overrideDefault(source: string, name: string): number | null {
  const match = new RegExp(`override\\s+${name}\\s*(?::\\s*\\w+)?\\s*=\\s*([-+0-9.eE]+)[uif]?\\s*;`).exec(source);
  return match ? Number(match[1]) : null;
}

/** Packs named values into a uniform buffer image following the reflected layout. */
export function packUniform(
  kernel: string,
  layout: UniformLayout,
  values: Readonly<Record<string, number | readonly number[]>>,
): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil(layout.size / 16) * 16));
  const view = new DataView(bytes);
  for (const member of layout.members) {
    const value = values[member.name];
    if (value === undefined) {
      throw new Error(`kernel '${kernel}': no value given for params.${member.name}`);
    }
    const list = typeof value === 'number' ? [value] : value;
    if (list.length !== member.count) {
      throw new Error(`kernel '${kernel}': params.${member.name} takes ${member.count} value(s), got ${list.length}`);
    }
    list.forEach((v, i) => {
      const at = member.offset + 4 * i;
      if (member.type === 'f32') view.setFloat32(at, v, true);
      else if (member.type === 'i32') view.setInt32(at, v, true);
      else {
        if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) {
          throw new Error(`kernel '${kernel}': params.${member.name} = ${v} is not a u32`);
        }
        view.setUint32(at, v, true);
      }
    });
  }
  for (const key of Object.keys(values)) {
    if (!layout.members.some((m) => m.name === key)) {
      throw new Error(`kernel '${kernel}': params has no member '${key}'`);
    }
  }
  return bytes;
}
