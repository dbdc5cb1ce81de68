// The command's own errors: wrong usage, or input it cannot use. Both end the command with exit
// code 2 and a one-line message that names the file and the place in it; never a stack trace.

export class CliError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Arguments the command cannot run with (an unknown flag, a missing value). */
export const usageError = (message) => new CliError('ERR_CLI_USAGE', message);

/** A file or value the command cannot use (unreadable, not JSON, the wrong shape). */
export const inputError = (message) => new CliError('ERR_CLI_INPUT', message);

/** A JwtGateError (or a CliError) as data: its code, message and every detail it carries. */
export function errorData(error) {
  const { name, stack, ...details } = error;
  return { code: error.code, message: error.message, ...details };
}
