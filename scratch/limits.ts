import { acquireGpu } from '@duet/gpu/node';
const ctx = await acquireGpu();
console.log(ctx.limits.maxStorageBuffersPerShaderStage, ctx.limits.maxBindingsPerBindGroup);
const a = await (navigator as any).gpu.requestAdapter();
console.log('adapter', a.limits.maxStorageBuffersPerShaderStage, a.limits.maxBindingsPerBindGroup);
ctx.dispose();
