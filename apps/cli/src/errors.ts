/** An error meant for the user: printed as one line `duet: <message>`, exit with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}
