/** `duet devices [--json]`: every adapter Dawn can open, and which one Duet would use. */
import type { Command } from 'commander';
import { ADAPTER_ENV, listAdapters } from '@duet/gpu/node';
import { runCommand } from '../run';

export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('list the WebGPU adapters found, with their limits for compute')
    .option('--json', 'print one JSON document on stdout')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        const adapters = await listAdapters();
        const choice = process.env[ADAPTER_ENV] ?? '';
        const chosen = choice
          ? adapters.findIndex((a) => `${a.name} ${a.vendor} ${a.backend} ${a.description}`.toLowerCase().includes(choice.toLowerCase()))
          : adapters.length ? 0 : -1;
        if (options.json) {
          const doc = adapters.map((a, i) => ({
            name: a.name,
            vendor: a.vendor,
            architecture: a.architecture,
            description: a.description,
            backend: a.backend,
            software: a.isSoftware,
            default: i === chosen,
            limits: a.limits,
            features: a.features,
          }));
          process.stdout.write(`${JSON.stringify({ adapters: doc }, null, 2)}\n`);
          return;
        }
        if (!adapters.length) {
          process.stdout.write('no WebGPU adapter found (see README: "Choosing an adapter")\n');
          process.exitCode = 1;
          return;
        }
        adapters.forEach((a, i) => {
          const mark = i === chosen ? '*' : ' ';
          process.stdout.write(`${mark} ${a.name}  [${a.backend}, ${a.vendor}, ${a.architecture}${a.isSoftware && a.architecture !== 'software' ? ', software' : ''}]\n`);
          const l = a.limits;
          process.stdout.write(
            `    maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, maxBufferSize ${l.maxBufferSize}, ` +
              `workgroup storage ${l.maxComputeWorkgroupStorageSize} B, invocations/workgroup ${l.maxComputeInvocationsPerWorkgroup}, ` +
              `workgroups/dimension ${l.maxComputeWorkgroupsPerDimension}\n`,
          );
        });
        process.stdout.write(`(* = used by default; choose with --adapter <substring> or ${ADAPTER_ENV})\n`);
      }),
    );
}
