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
 * Parses `devbinder hook [options]` as Podman runs it, at every container start, by hand: commander
 * costs ~20 ms to load and node:util's parseArgs ~0.7 ms of the ~8 ms a hook answered by the daemon
 * takes beyond Node's own start. Only long options from the shared tables, `--name value` or
 * `--name=value`; any other command line (help, --print-config, a typo, a value that looks like an
 * option) gives undefined and goes through the full parser, which explains what is wrong.
 */
export function parsePlainHook(args: readonly string[]): HookOptions | undefined {
  if (args[0] !== 'hook') return undefined;
  const values = parse(args.slice(1));
  if (values === undefined) return undefined;
  const text = (name: string) => {
    const value = values.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const root = text('root');
  const cacheDir = text('cache-dir');
  const config = text('config');
  const pluginDir = values.get('plugin-dir');
  return {
    pluginDir: Array.isArray(pluginDir) ? pluginDir : [],
    ...(root === undefined ? {} : { root }),
    ...(cacheDir === undefined ? {} : { cacheDir }),
    ...(config === undefined ? {} : { config }),
    daemonSocket: text('daemon-socket') ?? DEFAULT_DAEMON_SOCKET,
    daemon: values.get('no-daemon') !== true,
  };
}

const OPTIONS: Readonly<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>> = {
  ...RUNTIME_OPTIONS,
  ...HOOK_DAEMON_OPTIONS,
};

function parse(args: readonly string[]): Map<string, string | string[] | true> | undefined {
  const values = new Map<string, string | string[] | true>();
  for (let at = 0; at < args.length; at++) {
    const arg = args[at] as string;
    if (!arg.startsWith('--')) return undefined;
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    const option = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
    if (option === undefined) return undefined;
    if (option.type === 'boolean') {
      if (equals !== -1) return undefined;
      values.set(name, true);
      continue;
    }
    const value = equals === -1 ? args[++at] : arg.slice(equals + 1);
    if (value === undefined || (equals === -1 && value.startsWith('-'))) return undefined;
    const previous = values.get(name);
    values.set(
      name,
      option.multiple ? [...(Array.isArray(previous) ? previous : []), value] : value,
    );
  }
  return values;
}
