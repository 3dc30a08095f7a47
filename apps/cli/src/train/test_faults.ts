/**
 * Faults injected into `duet train` for the fault tests (issue 8, parts 2 and 4). Honoured only
 * when the CLI runs under vitest (VITEST is set in the test process and inherited by the
 * `duet` it spawns), so no user setting can slow or break a run:
 * - DUET_TEST_SLOW_CHECKPOINT_MS=n: sleep n ms between the temp file's fsync and its rename,
 *   so a kill can land inside the write window;
 * - DUET_TEST_CHECKPOINT_ENOSPC_AFTER=k: the checkpoint writes after the first k of this
 *   process fail with ENOSPC half way through, as on a full disk;
 * - DUET_TEST_LOSE_DEVICE_AT_STEP=n: the GPU device is lost before global step n (0-based).
 */
import * as nodeFs from 'node:fs';
import type { AtomicFs } from '@duet/autograd/node';
import type { GpuContext } from '@duet/gpu';

let writes = 0;

/** The file operations of the checkpoint write (node:fs, or with the faults above). */
export function checkpointFs(env: NodeJS.ProcessEnv = process.env): AtomicFs {
  if (!env.VITEST) return nodeFs;
  const slowMs = Number(env.DUET_TEST_SLOW_CHECKPOINT_MS ?? 0);
  const failAfter = env.DUET_TEST_CHECKPOINT_ENOSPC_AFTER === undefined ? Infinity : Number(env.DUET_TEST_CHECKPOINT_ENOSPC_AFTER);
  const full = ++writes > failAfter;
  return {
    ...nodeFs,
    writeSync: ((fd: number, data: Uint8Array, offset: number, length: number) => {
      if (!full) return nodeFs.writeSync(fd, data, offset, length);
      nodeFs.writeSync(fd, data, offset, Math.floor(length / 2));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }) as AtomicFs['writeSync'],
    renameSync: (from, to) => {
      if (slowMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, slowMs);
      nodeFs.renameSync(from, to);
    },
  };
}

/** Loses the device before `globalStep` when asked to (destroying it is the one way WebGPU offers). */
export async function loseDeviceForTest(ctx: GpuContext, globalStep: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.VITEST || env.DUET_TEST_LOSE_DEVICE_AT_STEP !== String(globalStep)) return;
  ctx.device.destroy();
  await ctx.device.lost;
}
