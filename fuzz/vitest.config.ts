import { defineConfig, mergeConfig } from 'vitest/config';
import { packageConfig } from '../vitest.shared.ts';

// The slice lives at the package root (fuzz.test.ts), not under test/.
export default mergeConfig(packageConfig({ testTimeout: 120_000 }), defineConfig({ test: { include: ['*.test.ts'] } }));
