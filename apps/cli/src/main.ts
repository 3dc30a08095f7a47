/** Entry point of the `duet` command: one subcommand per file in ./commands. */
import { Command } from 'commander';
import { registerDevices } from './commands/devices';
import { registerEnsemble } from './commands/ensemble';
import { registerEval } from './commands/eval';
import { registerFusion } from './commands/fusion';
import { registerExport } from './commands/export';
import { registerMel } from './commands/mel';
import { registerPredict } from './commands/predict';
import { registerData } from './commands/data';
import { registerShow } from './commands/show';
import { registerSplit } from './commands/split';
import { registerSweep } from './commands/sweep';
import { registerTrain } from './commands/train';

const program = new Command();
program
  .name('duet')
  .description('Recognise a digit that a person writes and says: WebGPU training and inference')
  .showHelpAfterError()
  .exitOverride((error) => {
    // Commander's own usage errors (unknown option, missing argument) are bad input: exit 2.
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

registerDevices(program);
registerMel(program);
registerShow(program);
registerSplit(program);
registerData(program);
registerTrain(program);
registerEval(program);
registerEnsemble(program);
registerFusion(program);
registerSweep(program);
registerExport(program);
registerPredict(program);

await program.parseAsync(process.argv);
