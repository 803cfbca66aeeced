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

/**
 * Marks a CliError. Each bundle in dist/ carries its own copy of this class (scripts/bundle.mjs
 * inlines shared code), so the class one bundle throws is not the class another checks with
 * `instanceof`; the mark, from the process-wide symbol registry, is the same in all of them.
 */
const CLI_ERROR = Symbol.for('devbinder.CliError');

/** An error that carries the exit code the command should end with. */
export class CliError extends Error {
  readonly [CLI_ERROR] = true;

  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }

  /** `error instanceof CliError` holds for a CliError of any bundle (see CLI_ERROR). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && CLI_ERROR in value;
  }
}
