/**
 * Browser entry: the device comes from navigator.gpu. Imports no `node:` module, so esbuild
 * can bundle the kernels for a page.
 */
import { optionalFeatures, requiredLimits, summarizeAdapter } from './adapter_info';
import { GpuContext, type ContextOptions } from './context';
import { NoAdapterError } from './errors';

export * from './index';

export interface BrowserGpuOptions extends ContextOptions {
  readonly powerPreference?: GPUPowerPreference;
}

/** Acquires the browser's WebGPU device, or explains why there is none. */
export async function acquireBrowserGpu(options: BrowserGpuOptions = {}): Promise<GpuContext> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    throw new NoAdapterError(
      'this browser does not expose WebGPU (navigator.gpu is missing): use a recent Chrome, Edge or ' +
        'Firefox, served over https or localhost; in Chromium on Linux start it with --enable-unsafe-webgpu',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new NoAdapterError('navigator.gpu.requestAdapter() found no adapter: WebGPU may be disabled or blocklisted for this GPU');
  const device = await adapter.requestDevice({ label: 'duet', requiredLimits: requiredLimits(adapter), requiredFeatures: optionalFeatures(adapter) });
  return new GpuContext(device, summarizeAdapter(adapter, 'browser'), options);
}
