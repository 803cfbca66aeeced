import { parseArgs } from 'node:util';
import { RUNTIME_OPTIONS } from './options.js';
import type { RuntimeOptions } from './runtime.js';

/**
 * Parses `devbinder hook [runtime options]` as Podman runs it, at every container start, with
 * node:util instead of commander, whose loading alone costs ~20 ms. Returns undefined for any
 * other command line (help, --print-config, a typo): those go through the full parser.
 */
export function parsePlainHook(args: readonly string[]): RuntimeOptions | undefined {
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
  };
}

function parse(args: string[]) {
  return parseArgs({ args, options: RUNTIME_OPTIONS, strict: true, allowPositionals: false });
}
