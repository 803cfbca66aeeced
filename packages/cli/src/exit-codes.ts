/** Exit codes; the README documents them. */
export const ExitCode = {
  ok: 0,
  /**
   * `explain`: the hook would refuse the container (policy `required`, or a fatal annotation
   * problem). The hook itself delivers a refusal inside the config and exits 0 (see refuseToStart).
   */
  refused: 1,
  /** Bad input: command line, config JSON, udev export, plugin manifest. */
  badInput: 2,
  /** The environment failed us: unreadable files, broken plugin cache, no Podman socket. */
  environment: 3,
  /** A bug in devbinder. */
  internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that carries the exit code the command should end with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
