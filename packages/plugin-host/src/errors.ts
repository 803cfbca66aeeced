/** What went wrong with a plugin; each kind maps to one limit or contract the host enforces. */
export type PluginErrorKind =
  | 'not-found'
  | 'invalid-manifest'
  | 'digest-mismatch'
  | 'wit-mismatch'
  | 'duplicate'
  | 'forbidden-imports'
  | 'load-failed'
  | 'invalid-argument'
  | 'failed'
  | 'deadline'
  | 'memory'
  | 'crashed'
  | 'invalid-output';

/** Every plugin error names the plugin; `detail` says what and, where it helps, which file. */
export class PluginError extends Error {
  constructor(
    readonly plugin: string,
    readonly kind: PluginErrorKind,
    readonly detail: string,
    /** 1-based column in the argument, for `invalid-argument`. */
    readonly column?: number,
  ) {
    super(`plugin "${plugin}": ${detail}`);
    this.name = 'PluginError';
  }
}
