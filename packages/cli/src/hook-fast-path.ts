import { parseArgs } from 'node:util';
import { DEFAULT_DAEMON_SOCKET } from '@devbinder/daemon/protocol';
import { HOOK_DAEMON_OPTIONS, RUNTIME_OPTIONS } from './options.js';
import type { RuntimeOptions } from './runtime.js';

/** Podman hands the hook the proposed config; anything this large is not one. */
export const MAX_CONFIG_BYTES = 16 * 2 ** 20;

export interface HookOptions extends RuntimeOptions {
  daemonSocket: string;
  /** False with `--no-daemon`. */
  daemon: boolean;
}

/**
 * Parses `devbinder hook [options]` as Podman runs it, at every container start, with node:util
 * instead of commander, whose loading alone costs ~20 ms. Returns undefined for any other command
 * line (help, --print-config, a typo): those go through the full parser.
 */
export function parsePlainHook(args: readonly string[]): HookOptions | undefined {
  if (args[0] !== 'hook') return undefined;
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(args.slice(1)));
  } catch {
    return undefined;
  }
  return {
    pluginDir: values['plugin-dir'] ?? [],
    ...(values.root === undefined ? {} : { root: values.root }),
    ...(values['cache-dir'] === undefined ? {} : { cacheDir: values['cache-dir'] }),
    ...(values.config === undefined ? {} : { config: values.config }),
    daemonSocket: values['daemon-socket'] ?? DEFAULT_DAEMON_SOCKET,
    daemon: values['no-daemon'] !== true,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: { ...RUNTIME_OPTIONS, ...HOOK_DAEMON_OPTIONS },
    strict: true,
    allowPositionals: false,
  });
}
