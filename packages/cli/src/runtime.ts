import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SelectorRunner, StatNode } from '@devbinder/engine';
import { statDeviceNode } from '@devbinder/oci';
import {
  DEFAULT_CONFIG_FILE,
  type HostConfig,
  HostConfigError,
  hostLimits,
  PluginHost,
  PluginRegistry,
  privateDirProblem,
  readHostConfig,
} from '@devbinder/plugin-host';
import {
  parseExportDb,
  readLiveDatabase,
  type UdevDatabase,
  UdevParseError,
} from '@devbinder/udev';
import { CliError, ExitCode } from './exit-codes.js';
import { bundledPluginsDir } from './layout.js';

/** Options shared by every command that selects devices. */
export interface RuntimeOptions {
  root?: string;
  udevExport?: string;
  pluginDir: string[];
  cacheDir?: string;
  /** Plugin limits file; default DEFAULT_CONFIG_FILE when it exists. */
  config?: string;
}

/** Where plugins are searched, lowest precedence first; later directories override earlier ones. */
export function pluginSearchPath(extra: readonly string[]): string[] {
  return [bundledPluginsDir, '/usr/lib/devbinder/plugins', '/etc/devbinder/plugins', ...extra];
}

/**
 * Transpiled plugins and remembered answers. Podman runs hooks with an empty environment, so the
 * default cannot come from variables: root gets /var/cache/devbinder, other users ~/.cache/devbinder.
 */
export function defaultCacheDir(): string {
  return process.geteuid?.() === 0
    ? '/var/cache/devbinder'
    : join(homedir(), '.cache', 'devbinder');
}

/**
 * The plugin host of a command. `shortLived` for commands that run plugins once and exit (hook,
 * explain): it tunes V8 for that, process-wide (see PluginHostOptions).
 */
export function createPluginHost(
  options: RuntimeOptions,
  warn: (message: string) => void,
  { shortLived = false }: { shortLived?: boolean } = {},
): PluginHost {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  let config: HostConfig;
  try {
    config =
      options.config === undefined
        ? readHostConfig(DEFAULT_CONFIG_FILE, { required: false })
        : readHostConfig(options.config, { required: true });
  } catch (error) {
    if (error instanceof HostConfigError) throw new CliError(error.message, ExitCode.badInput);
    throw error;
  }
  return new PluginHost({
    registry: new PluginRegistry(pluginSearchPath(options.pluginDir)),
    cacheDir,
    memoDir: join(cacheDir, 'answers'),
    ...hostLimits(config),
    shortLived,
    warn,
  });
}

export function selectorRunner(host: PluginHost): SelectorRunner {
  return { select: (selector, argument, db) => host.select(selector, argument, db) };
}

export function databaseReader(
  options: RuntimeOptions,
  warn: (message: string) => void,
): () => UdevDatabase {
  if (options.root !== undefined && options.udevExport !== undefined) {
    throw new CliError('--root and --udev-export are alternatives; give one', ExitCode.badInput);
  }
  const exportFile = options.udevExport;
  if (exportFile !== undefined) {
    return () => {
      let text: string;
      try {
        text = readFileSync(exportFile, 'utf8');
      } catch (error) {
        throw new CliError(
          `cannot read udev export ${exportFile}: ${(error as Error).message}`,
          ExitCode.badInput,
        );
      }
      try {
        return parseExportDb(text, exportFile);
      } catch (error) {
        // The message names the file and line: `capture.txt:42: malformed D: line "b seven"`.
        if (error instanceof UdevParseError)
          throw new CliError(
            `udev export ${error.message} (expected the output of \`udevadm info --export-db\`)`,
            ExitCode.badInput,
          );
        throw error;
      }
    };
  }
  // The snapshot decides what containers get: keep it only where no one else can write.
  const root = options.root ?? '/';
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const snapshot =
    privateDirProblem(cacheDir) === undefined ? udevSnapshotFile(cacheDir, root) : undefined;
  return () => readLiveDatabase({ root, warn, ...(snapshot ? { snapshot } : {}) });
}

/**
 * Where the snapshot of the udev database under `root` lives (see readLiveDatabase): one file per
 * root, so test trees and the host do not evict each other's.
 */
export function udevSnapshotFile(cacheDir: string, root: string): string {
  const rootKey = createHash('sha256').update(root).digest('hex').slice(0, 16);
  return join(cacheDir, `udev-snapshot-${rootKey}.json`);
}

/**
 * How node facts are found: a live database stats the real nodes (under `--root` for test trees);
 * an export from another machine has only udev's record of each node's numbers.
 */
export function nodeStat(options: RuntimeOptions): StatNode {
  if (options.udevExport !== undefined) {
    return (device, _devnode, containerPath) =>
      device.devnum && { path: containerPath, ...device.devnum, fileMode: 0o660, uid: 0, gid: 0 };
  }
  const root = options.root ?? '/';
  return (_device, devnode, containerPath) => statDeviceNode(join(root, devnode), containerPath);
}
