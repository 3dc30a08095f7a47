/**
 * The data package's errors. Each message is one line that names the file it is about, so the
 * CLI can print it as is; `name` is what apps/cli/src/run.ts uses to map them to exit code 2.
 */

/** A WAV file that cannot be decoded: `<fileName>: <problem>`. */
export class WavError extends Error {
  override name = 'WavError';
  constructor(readonly fileName: string, problem: string) {
    super(`${fileName}: ${problem}`);
  }
}

/** An IDX (MNIST) file that is not what its header says: `<fileName>: <problem>`. */
export class IdxError extends Error {
  override name = 'IdxError';
  constructor(readonly fileName: string, problem: string) {
    super(`${fileName}: ${problem}`);
  }
}

/** Any other bad input: a split CSV line (`<file>:<line>: <problem>`), a missing corpus, an archive. */
export class DataError extends Error {
  override name = 'DataError';
}
