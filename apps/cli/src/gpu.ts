/** Opens the GPU for a command: `--adapter` wins over $DUET_ADAPTER; Dawn's choice otherwise. */
import type { Command } from 'commander';
import { acquireGpu, type GpuContext } from '@duet/gpu/node';

export function addAdapterOption(command: Command): Command {
  return command.option('--adapter <substring>', 'use the adapter whose name, vendor or backend contains this (see `duet devices`)');
}

export async function openGpu(options: { adapter?: string }): Promise<GpuContext> {
  return acquireGpu({ adapter: options.adapter });
}

/** Runs `body` with a GPU context and disposes it afterwards, so the process can exit. */
export async function withGpu<T>(options: { adapter?: string }, body: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const ctx = await openGpu(options);
  try {
    return await body(ctx);
  } finally {
    // NOTE: Dawn on lavapipe can crash at exit when a device is destroyed with uploads still
    // queued; wait for the queue first (its errors were already reported by the body).
    await ctx.sync().catch(() => undefined);
    ctx.dispose();
  }
}
