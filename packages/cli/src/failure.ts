import { CliError, ExitCode } from './exit-codes.js';
import { printError } from './io.js';

/** Ends the process for an error: its own exit code for a CliError, 70 with the stack for a bug. */
export function reportFailure(error: unknown): never {
  const command = process.argv[2] ?? '';
  if (error instanceof CliError) {
    printError(command, error.message);
    process.exit(error.exitCode);
  }
  printError(command, `internal error: ${(error as Error).stack ?? String(error)}`);
  process.exit(ExitCode.internal);
}
