import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_DAEMON_SOCKET } from '@devbinder/daemon/paths';
import { SELECTOR_KEY_PATTERN } from '@devbinder/engine';
import { HOOK_TIMEOUT_MS } from '@devbinder/plugin-host';
import { CliError, ExitCode } from '../exit-codes.js';
import { writeAllSync } from '../io.js';
import { hookScript } from '../layout.js';
import type { RuntimeOptions } from '../runtime.js';

export const HOOK_FILE = 'devbinder.json';

/**
 * Podman kills a hook after this many seconds; without it a stuck hook stalls `podman run` forever.
 * Plugin limits are checked to fit it (the plugin host's config).
 */
const HOOK_TIMEOUT_SECONDS = HOOK_TIMEOUT_MS / 1000;

/**
 * The hooks.d entry (schema 1.0.0, containers/common oci-hooks(5)). Podman runs hooks with an empty
 * environment, so the command is absolute paths only: this node binary and this devbinder.
 */
export function hookConfig(
  options: Pick<RuntimeOptions, 'pluginDir' | 'cacheDir' | 'config'> & { daemonSocket?: string },
): object {
  const daemonSocket = options.daemonSocket ?? DEFAULT_DAEMON_SOCKET;
  const passThrough = [
    ...options.pluginDir.flatMap((dir) => ['--plugin-dir', resolve(dir)]),
    ...(options.cacheDir === undefined ? [] : ['--cache-dir', resolve(options.cacheDir)]),
    ...(options.config === undefined ? [] : ['--config', resolve(options.config)]),
    ...(daemonSocket === DEFAULT_DAEMON_SOCKET ? [] : ['--daemon-socket', resolve(daemonSocket)]),
  ];
  return {
    version: '1.0.0',
    hook: {
      path: process.execPath,
      args: ['node', hookScript, 'hook', ...passThrough],
      timeout: HOOK_TIMEOUT_SECONDS,
    },
    when: { annotations: { [SELECTOR_KEY_PATTERN]: '.*' } },
    stages: ['precreate'],
  };
}

export function printHookConfig(
  options: RuntimeOptions & { hooksDir?: string; daemonSocket?: string },
): ExitCode {
  const text = `${JSON.stringify(hookConfig(options), null, 2)}\n`;
  if (options.hooksDir === undefined) {
    writeAllSync(1, text);
    return ExitCode.ok;
  }
  const target = join(options.hooksDir, HOOK_FILE);
  try {
    mkdirSync(options.hooksDir, { recursive: true });
    // Podman re-reads hooks.d at every container start: never let it see a half-written file.
    writeFileSync(`${target}.tmp`, text, { mode: 0o644 });
    renameSync(`${target}.tmp`, target);
  } catch (error) {
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`, ExitCode.environment);
  }
  writeAllSync(2, `devbinder hook: wrote ${target}\n`);
  return ExitCode.ok;
}
