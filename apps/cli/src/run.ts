/**
 * Runs a command body and turns every failure into one line on stderr and an exit code:
 * 2 for bad input (a file that is not what it should be, a bad option), 1 for the rest.
 * Stack traces are printed only with DUET_DEBUG=1.
 */
import { GpuError } from '@duet/gpu';
import { CliError } from './errors';

/** Errors whose class name marks them as the user's input problem (from any package). */
const INPUT_ERRORS = new Set(['CliError', 'DataError', 'WavError', 'IdxError', 'ImageError', 'SafetensorsError', 'FormatError', 'ConfigError']);

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof Error && INPUT_ERRORS.has(error.name)) return 2;
  return 1;
}

export async function runCommand(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const known = error instanceof GpuError || (error instanceof Error && INPUT_ERRORS.has(error.name));
    process.stderr.write(`duet: ${message}\n`);
    if (process.env.DUET_DEBUG === '1' || !known) {
      if (error instanceof Error && error.stack && process.env.DUET_DEBUG === '1') process.stderr.write(`${error.stack}\n`);
    }
    process.exitCode = exitCodeOf(error);
  }
}
