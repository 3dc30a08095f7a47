/**
 * Every op of Duet, in one explicit list (no registration by side effect). The meta-test in
 * test/registry.test.ts checks each has its reference and tests, and that every .wgsl file
 * under shaders/ is owned by exactly one op.
 */
import type { OpDef } from './op';
import { unaryOp } from './ops/unary/index';

export const ops: readonly OpDef[] = [unaryOp];
