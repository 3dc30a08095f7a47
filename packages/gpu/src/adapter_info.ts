import type { AdapterSummary } from './context';

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|basic render|warp/i;

/**
 * Summarises a GPUAdapter for reports; `backend` comes from Dawn's listing when known, `hostThreads`
 * from the caller (Node: os.availableParallelism()) or the browser's navigator.hardwareConcurrency.
 */
export function summarizeAdapter(
  adapter: GPUAdapter,
  backend = 'unknown',
  listedName?: string,
  hostThreads = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency,
): AdapterSummary {
  const info = adapter.info;
  const name = listedName ?? (info.description || info.device || info.architecture || 'unknown adapter');
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    name,
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description || name,
    backend,
    isSoftware: fallback || SOFTWARE.test(`${name} ${info.description} ${info.device} ${info.architecture}`),
    ...(hostThreads ? { hostThreads } : {}),
  };
}

/** The limits that matter for compute, as plain numbers (for `duet devices`). */
export function computeLimits(limits: GPUSupportedLimits): Record<string, number> {
  return {
    maxBufferSize: limits.maxBufferSize,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
    maxComputeWorkgroupSizeZ: limits.maxComputeWorkgroupSizeZ,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
  };
}

/** Device limits Duet asks for: the adapter's maxima for what large batches need. */
export function requiredLimits(adapter: GPUAdapter): Record<string, number> {
  const l = adapter.limits;
  return {
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
  };
}

/** Features Duet uses when present. */
export function optionalFeatures(adapter: GPUAdapter): GPUFeatureName[] {
  return (['timestamp-query', 'subgroups'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
}
