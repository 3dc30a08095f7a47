// @duet/autograd: Tensor and tape, ops on tensors, nn modules, losses, optimizers, schedules, state.
// Node-only parts (checkpoint files) are in '@duet/autograd/node'.
export * from './tensor';
export * from './ops/elementwise';
export * from './ops/reduce';
export * from './ops/shape';
export * from './ops/linalg';
export * from './ops/nn';
export * from './ops/gru';
export * from './random';
export * from './nn/init';
export * from './nn/module';
export * from './nn/layers';
export * from './nn/gru';
export * from './optim/optimizer';
export * from './optim/sgd';
export * from './optim/adam';
export * from './optim/schedule';
export * from './safetensors';
