/**
 * The browser surroundings jax-js and TensorFlow.js's WebGPU backend expect, in Node: the
 * WebGPU globals (GPUBufferUsage, …) and a `navigator` whose `gpu` is Dawn opened on the same
 * adapter Duet uses. NOTE: Node does not exit while the object create() returned is reachable;
 * the app ends with process.exit, so the global navigator does not keep it alive.
 */
import { create, globals } from 'webgpu';

let installed = false;

export function installWebGpuGlobals(adapter: { readonly backend: string; readonly name: string }): void {
  if (installed) return;
  installed = true;
  Object.assign(globalThis, globals);
  // jax-js reads navigator.userAgent to spot Firefox.
  const navigator = { gpu: create([`backend=${adapter.backend}`, `adapter=${adapter.name}`]), userAgent: `Node.js/${process.versions.node}` };
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
}
