/**
 * `duet train fusion` and `duet eval fusion`: subcommands of the existing `train` and `eval`
 * commands (registered after them, found by name), their code in ../fusion.
 */
import type { Command } from 'commander';
import { registerEvalFusion } from '../fusion/eval';
import { registerTrainFusion } from '../fusion/train';

function subcommandHost(program: Command, name: string): Command {
  const host = program.commands.find((c) => c.name() === name);
  if (!host) throw new Error(`registerFusion: register the \`${name}\` command first`);
  return host;
}

export function registerFusion(program: Command): void {
  registerTrainFusion(subcommandHost(program, 'train'));
  registerEvalFusion(subcommandHost(program, 'eval'));
}
