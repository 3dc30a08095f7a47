export * from './array';
export * from './op';
export * from './registry';
export * from './ops/unary/index';
