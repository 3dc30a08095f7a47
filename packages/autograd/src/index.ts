// @duet/autograd: Tensor and tape, ops on tensors, nn modules, losses, optimizers, schedules, state.
// Node-only parts (checkpoint files) are in '@duet/autograd/node'.
export * from './tensor';
export * from './ops/elementwise';
export * from './ops/reduce';
export * from './ops/shape';
export * from './ops/linalg';
export * from './ops/nn';
