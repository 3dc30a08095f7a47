// @duet/autograd/node: the parts that touch the file system (checkpoints, weight files).
export * from './checkpoint';
