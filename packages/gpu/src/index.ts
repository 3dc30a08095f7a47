// Platform-neutral part of @duet/gpu. Acquire a context with '@duet/gpu/node' or '@duet/gpu/browser'.
export * from './adapter_info';
export * from './buffer_pool';
export * from './context';
export * from './dispatch';
export * from './errors';
export * from './flags';
export * from './reflect';
export * from './tuning';
