import { resolve } from 'node:path';
import {
  createLogger,
  Daemon,
  type DaemonStatus,
  type LogFormat,
  pathsFingerprint,
  ReloadingPlugins,
  requestStatus,
  SelectionCache,
} from '@devbinder/daemon';
import type { HookRequest } from '@devbinder/daemon/protocol';
import { DEFAULT_CONFIG_FILE, PluginRegistry } from '@devbinder/plugin-host';
import { CliError, ExitCode } from '../exit-codes.js';
import { writeAllSync } from '../io.js';
import {
  createPluginHost,
  nodeStat,
  pluginSearchPath,
  type RuntimeOptions,
  selectorRunner,
} from '../runtime.js';
import { renderTable } from '../table.js';
import { answerHook } from './hook.js';

export interface DaemonCommandOptions extends Omit<RuntimeOptions, 'root' | 'udevExport'> {
  podmanSocket: string;
  socket: string;
  stateDir: string;
  logFormat: string;
  reconcileInterval: string;
  cgroupAccess: string;
}

/**
 * `devbinder daemon`: runs until SIGTERM or SIGINT. Exits 3 when it cannot start (no Podman on
 * the socket, no udevadm, another daemon on the control socket), 0 after a clean stop.
 */
export async function runDaemon(options: DaemonCommandOptions): Promise<ExitCode> {
  const format = options.logFormat;
  if (format !== 'text' && format !== 'json') {
    throw new CliError(`--log-format: expected text or json, got ${format}`, ExitCode.badInput);
  }
  const seconds = Number(options.reconcileInterval);
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw new CliError(
      `--reconcile-interval: expected a number of seconds ≥ 1, got ${options.reconcileInterval}`,
      ExitCode.badInput,
    );
  }
  const cgroupAccess = options.cgroupAccess;
  if (cgroupAccess !== 'write' && cgroupAccess !== 'preauthorized-only') {
    throw new CliError(
      `--cgroup-access: expected write or preauthorized-only, got ${cgroupAccess}`,
      ExitCode.badInput,
    );
  }
  const log = createLogger(format as LogFormat);
  const stat = nodeStat({ pluginDir: [] });
  const pluginDirs = options.pluginDir.map((dir) => resolve(dir));
  const hostConfig = options.config === undefined ? DEFAULT_CONFIG_FILE : resolve(options.config);
  const searchPath = pluginSearchPath(options.pluginDir);
  // Plugins installed, updated or removed, and limits changed, while the daemon runs are used
  // from the next pass or hook on, as the hook itself would use them.
  const plugins = new ReloadingPlugins({
    load() {
      const host = createPluginHost(options, (message) => log.warn('plugin-host', { message }));
      // Start every plugin's worker now: no hook after a (re)load waits for one to boot.
      host.warm(
        new PluginRegistry(searchPath)
          .list()
          .map(({ manifest }) => ({ selector: manifest.name, argument: '' })),
      );
      // One plugin call per selector and argument per udev database, shared by passes and hooks.
      return { runner: new SelectionCache(selectorRunner(host)), close: () => host.close() };
    },
    fingerprint: () => pathsFingerprint([...searchPath, hostConfig]),
    onReload() {
      log.info('plugins-reloaded', { searchPath, config: hostConfig });
      daemon.recheck('plugins changed');
    },
    onLoadFailed(message) {
      log.warn('plugins-reload-failed', { message });
    },
  });
  /** Why the daemon cannot answer this hook as the hook itself would, if it cannot. */
  const mismatch = (request: HookRequest): string | undefined => {
    if (request.pluginDirs.join('\0') !== pluginDirs.join('\0')) {
      return `the hook loads plugins from [${request.pluginDirs.join(', ')}], this daemon from [${pluginDirs.join(', ')}]`;
    }
    const asked = request.hostConfig ?? DEFAULT_CONFIG_FILE;
    if (asked !== hostConfig) {
      return `the hook reads plugin limits from ${asked}, this daemon from ${hostConfig}`;
    }
    return undefined;
  };
  const daemon: Daemon = new Daemon({
    podmanSocket: options.podmanSocket,
    controlSocket: options.socket,
    stateDir: options.stateDir,
    reconcileIntervalMs: seconds * 1000,
    cgroupAccess,
    log,
    selectors: plugins,
    async answerHook(request, view) {
      const reason = mismatch(request);
      if (reason !== undefined) return { kind: 'declined', reason };
      return plugins.use(async ({ runner, problem }) => {
        // The hook reports this itself, its own way.
        if (problem !== undefined) return { kind: 'declined', reason: problem };
        const outcome = await answerHook(request.config, (warn) => ({
          readDatabase: () => {
            for (const warning of view.warnings) warn(warning);
            return view.database;
          },
          runner,
          stat,
        }));
        return { kind: 'hook', ...outcome };
      });
    },
  });

  // A signal during start ends it at once: the unit's TimeoutStopSec is shorter than a start may
  // wait for Podman and udevadm.
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  }).then(async (signal) => {
    log.info('stopping', { signal });
    await daemon.stop();
  });
  try {
    // A signal during start makes it return early, with everything it started stopped.
    await daemon.start();
    await stopped;
  } catch (error) {
    log.error('start-failed', { message: (error as Error).message });
    await plugins.close();
    return ExitCode.environment;
  }
  await plugins.close();
  return ExitCode.ok;
}

/** `devbinder daemon status`: the running daemon's view. Exits 3 when no daemon answers. */
export async function runDaemonStatus(options: {
  socket: string;
  json: boolean;
}): Promise<ExitCode> {
  let status: DaemonStatus;
  try {
    status = (await requestStatus(options.socket)) as DaemonStatus;
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.environment);
  }
  writeAllSync(1, options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
  return ExitCode.ok;
}

function renderStatus(status: DaemonStatus): string {
  const lines = [
    `daemon pid ${status.pid}, up since ${status.startedAt}, socket ${status.controlSocket}`,
    `podman ${status.podmanVersion} at ${status.podmanSocket} (events: ${status.podmanEvents})`,
    `udev: ${status.udev.devices} devices (${status.udev.source}), monitor ${status.udev.monitor}`,
    `cgroup access: ${status.cgroupAccess}`,
    `hook answers: ${status.counters.hookAnswers} (declined ${status.counters.hookDeclined}); passes: ${status.counters.passes}, changes: ${status.counters.changes}`,
    '',
  ];
  const rows = status.containers.flatMap(
    ({ id, name, pid, access, devices, lastChange, problems }) => {
      const base = [name, id.slice(0, 12), String(pid), access ?? ''];
      const paths = devices.map(
        ({ path, type, major, minor }) => `${path} (${type} ${major}:${minor})`,
      );
      const detail = [...problems.map((problem) => `! ${problem}`), ...paths];
      const changed = lastChange ? `${lastChange.time} ${lastChange.actions.join(', ')}` : '';
      return (detail.length > 0 ? detail : ['(no devices)']).map((text, index) =>
        index === 0 ? [...base, text, changed] : ['', '', '', '', text, ''],
      );
    },
  );
  const containers =
    rows.length > 0
      ? renderTable(['CONTAINER', 'ID', 'PID', 'ACCESS', 'DEVICES', 'LAST CHANGE'], rows)
      : 'No managed containers.\n';
  const events = status.lastEvents
    .slice(-10)
    .map(({ time, kind, detail }) => `  ${time} ${kind} ${detail}\n`)
    .join('');
  return `${lines.join('\n')}${containers}\nLast events:\n${events || '  (none)\n'}`;
}
