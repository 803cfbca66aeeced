import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Readable } from 'node:stream';

export interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  /** What the command reads on stdin; a stream is piped in as the command reads it. */
  input?: string | Buffer | Readable;
  cwd?: string;
  /** The whole environment of the command; default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command to completion and captures everything. Never rejects for a non-zero exit: tests
 * assert on exit codes. A command that cannot start at all yields exit code 127, like a shell.
 */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A command may stop reading early (the hook refuses oversized input): that is its answer,
    // not our failure, so EPIPE on its stdin is ignored.
    child.stdin.on('error', () => {});
    child.on('error', (error) =>
      resolve({ stdout: '', stderr: `cannot run ${command}: ${error.message}`, exitCode: 127 }),
    );
    child.on('close', (code, signal) =>
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: code ?? 128 + (signal === null ? 0 : constants.signals[signal]),
      }),
    );
    if (options.input instanceof Readable) options.input.pipe(child.stdin);
    else child.stdin.end(options.input ?? '');
  });
}

/** Runs a command that must succeed and returns its stdout; throws with its stderr otherwise. */
export async function check(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await run(command, args, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `${[command, ...args].join(' ')} exited with ${result.exitCode}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}
