/**
 * What the daemon's integration tests and benchmark share: a Podman API service, the daemon as it
 * ships (the built CLI), zram devices made and removed through the kernel, long-running test
 * containers, and a view of a container from the host.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deviceMajor, deviceMinor } from '@devbinder/oci';
import { check, type Result, run } from '../../../../test-support/exec.js';
import {
  DEVBINDER,
  runHookEntry,
  TEST_IMAGE,
  TEST_LABEL,
} from '../../../../test-support/podman.js';
import { requestStatus } from '../../src/control.js';
import type { DaemonStatus } from '../../src/daemon.js';
import { PodmanClient } from '../../src/podman.js';

export { DEVBINDER };

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`,
      );
    }
    await sleep(everyMs);
  }
}

/** A private working directory (root-only: the daemon's socket lives in it). */
export async function workDir(name: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `devbinder-${name}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface PodmanService {
  socket: string;
  stop(): Promise<void>;
}

/** `podman system service` on a socket of its own, stopped by its pid. */
export async function startPodmanService(dir: string): Promise<PodmanService> {
  const socket = join(dir, 'podman.sock');
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntil(
      'the Podman API service',
      () => new PodmanClient(socket).version(),
      30_000,
      100,
    );
  } catch (error) {
    // Nothing would stop a service that never answered.
    child.kill('SIGTERM');
    await exited;
    throw error;
  }
  return {
    socket,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One line of the daemon's JSON log. */
export interface LogRecord {
  time: string;
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface RunningDaemon {
  pid: number;
  socket: string;
  stateDir: string;
  logs: LogRecord[];
  /**
   * Every stderr line that was not a log object (`{"time","level","event",…}`). With
   * `--log-format json` there must be none: `stop()` fails when there was any.
   */
  otherOutput: string[];
  status(): Promise<DaemonStatus>;
  /** Whether the daemon manages the container now (it is in the daemon's status). */
  manages(container: TestContainer): Promise<boolean>;
  /** The log records of `event` from `since` (an index into `logs`) on. */
  logsSince(since: number, event: string): LogRecord[];
  /** Waits for a log record the predicate accepts, from `since` (an index into `logs`) on. */
  waitForLog(
    what: string,
    predicate: (record: LogRecord) => boolean,
    since?: number,
  ): Promise<LogRecord>;
  /**
   * Sends a signal and waits for the exit; resolves with the exit code or signal, and rejects
   * when anything but JSON log objects came on stderr.
   */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
  exited: Promise<number | NodeJS.Signals>;
}

export interface DaemonOptions {
  dir: string;
  podmanSocket: string;
  reconcileIntervalSeconds?: number;
  /** Another name for the control socket (default `<dir>/daemon.sock`). */
  socket?: string;
  /** Scheduling niceness, as the unit's Nice= sets it. */
  nice?: number;
  /** `--cgroup-access` (default: the daemon's, `write`). */
  cgroupAccess?: 'write' | 'preauthorized-only';
  /** The daemon's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** `--plugin-dir` values. */
  pluginDirs?: readonly string[];
  /** `--config` (the plugin limits file). */
  config?: string;
}

/** `devbinder daemon status [args]` against this daemon, as a user runs it: its output. */
export function statusCommand(daemon: RunningDaemon, ...args: string[]): Promise<string> {
  return check(process.execPath, [
    DEVBINDER,
    'daemon',
    'status',
    '--socket',
    daemon.socket,
    ...args,
  ]);
}

/** Starts `devbinder daemon` from the built CLI and waits until it is ready. */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const daemon = spawnDaemon(options);
  await daemon.waitForLog('ready', (record) => record.event === 'ready');
  return daemon;
}

/** Starts `devbinder daemon` from the built CLI; does not wait for it to be ready. */
export function spawnDaemon(options: DaemonOptions): RunningDaemon {
  const socket = options.socket ?? join(options.dir, 'daemon.sock');
  const stateDir = join(options.dir, 'state');
  const node = [
    process.execPath,
    DEVBINDER,
    'daemon',
    '--podman-socket',
    options.podmanSocket,
    '--socket',
    socket,
    '--state-dir',
    stateDir,
    '--cache-dir',
    join(options.dir, 'cache'),
    '--log-format',
    'json',
    '--reconcile-interval',
    String(options.reconcileIntervalSeconds ?? 30),
    ...(options.cgroupAccess === undefined ? [] : ['--cgroup-access', options.cgroupAccess]),
    ...(options.pluginDirs ?? []).flatMap((dir) => ['--plugin-dir', dir]),
    ...(options.config === undefined ? [] : ['--config', options.config]),
  ];
  // As the unit runs it (Nice=), when asked: nice execs node, so the pid stays the daemon's.
  const [file, ...args] =
    options.nice === undefined ? node : ['nice', '-n', String(options.nice), ...node];
  const child: ChildProcess = spawn(file as string, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  });
  const logs: LogRecord[] = [];
  const otherOutput: string[] = [];
  let buffered = '';
  const listeners = new Set<() => void>();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const record = logRecord(line);
      if (record) logs.push(record);
      else otherOutput.push(line);
    }
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const status = () => requestStatus(socket) as Promise<DaemonStatus>;
  const waitForLog = (what: string, predicate: (record: LogRecord) => boolean, since = 0) =>
    new Promise<LogRecord>((resolve, reject) => {
      const check = () => {
        const found = logs.slice(since).find(predicate);
        if (found) {
          done();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no daemon log for ${what} within 60 s; logs:\n${logText(logs)}\n${otherOutput.join('\n')}`,
          ),
        );
      }, 60_000);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      void exited.then((code) => {
        if (!listeners.has(check)) return;
        done();
        reject(
          new Error(
            `the daemon exited (${code}) before ${what}; logs:\n${logText(logs)}\n${otherOutput.join('\n')}`,
          ),
        );
      });
      listeners.add(check);
      check();
    });
  return {
    pid: child.pid ?? -1,
    socket,
    stateDir,
    logs,
    otherOutput,
    status,
    manages: async (container) => (await status()).containers.some(({ id }) => id === container.id),
    logsSince: (since, event) => logs.slice(since).filter((record) => record.event === event),
    waitForLog,
    exited,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const code = await exited;
      if (otherOutput.length > 0) {
        throw new Error(
          `the daemon (--log-format json) wrote lines that are not JSON log objects:\n${otherOutput.join('\n')}`,
        );
      }
      return code;
    },
  };
}

/** A line of the JSON log: an object with a time, a level and an event; undefined otherwise. */
function logRecord(line: string): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const valid =
    typeof record.time === 'string' &&
    !Number.isNaN(Date.parse(record.time)) &&
    ['info', 'warn', 'error'].includes(record.level as string) &&
    typeof record.event === 'string';
  return valid ? (record as LogRecord) : undefined;
}

function logText(logs: readonly LogRecord[]): string {
  return logs.map((record) => JSON.stringify(record)).join('\n');
}

/** The pids of the daemon's child processes now (udevadm monitor, the shell that makes nodes). */
export function daemonChildren(daemon: RunningDaemon): number[] {
  const { pid } = daemon;
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(/\s+/)
    .filter((child) => child !== '')
    .map(Number);
}

/** A zram device made through the kernel (a real uevent), with a size so reads return data. */
export async function hotAdd(options: { size?: string } = {}): Promise<number> {
  if (!existsSync('/sys/class/zram-control')) {
    throw new Error('no /sys/class/zram-control: the zram module is not loaded (modprobe zram)');
  }
  const number = Number(readFileSync('/sys/class/zram-control/hot_add', 'utf8').trim());
  if (options.size) writeFileSync(`/sys/block/zram${number}/disksize`, options.size);
  return number;
}

/** Removes a zram device (a real uevent); retries while udev's probe still holds it open. */
export async function hotRemove(number: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync('/sys/class/zram-control/hot_remove', String(number));
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENODEV' || code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt > 200) throw error;
      await sleep(20);
    }
  }
}

/** The annotation that selects every zram device. */
export const ZRAM: Readonly<Record<string, string>> = {
  'io.dev-binder.udev.subsystem': 'block:zram*',
};

/** The zram devices the host has now, by number. */
export function hostZram(): number[] {
  return readdirSync('/sys/block')
    .filter((name) => /^zram\d+$/.test(name))
    .map((name) => Number(name.slice(4)))
    .sort((a, b) => a - b);
}

export interface TestContainer {
  id: string;
  name: string;
  pid: number;
  remove(): Promise<void>;
}

/** A long-running test container (busybox, no network) that stops at once when told to. */
export async function startContainer(options: {
  name: string;
  annotations?: Readonly<Record<string, string>>;
  hooksDir?: string;
  /** The container's command (default: wait until stopped). */
  script?: string;
  podmanArgs?: readonly string[];
}): Promise<TestContainer> {
  const script = options.script ?? "trap 'exit 0' TERM; sleep 100000 & wait";
  const id = (
    await check('podman', [
      ...(options.hooksDir ? ['--hooks-dir', options.hooksDir] : []),
      'run',
      '--detach',
      '--rm',
      '--name',
      options.name,
      '--network',
      'none',
      '--label',
      `${TEST_LABEL}=daemon`,
      ...Object.entries(options.annotations ?? {}).flatMap(([key, value]) => [
        '--annotation',
        `${key}=${value}`,
      ]),
      ...(options.podmanArgs ?? []),
      TEST_IMAGE,
      'sh',
      '-c',
      script,
    ])
  ).trim();
  const pid = Number((await check('podman', ['inspect', '--format', '{{.State.Pid}}', id])).trim());
  return { id, name: options.name, pid, remove: () => removeContainer(id) };
}

export async function removeContainer(id: string): Promise<void> {
  await run('podman', ['rm', '--force', '--time', '0', id]);
}

/** Removes test containers a previous, killed run of this file left behind. */
export async function removeContainersNamed(prefix: string): Promise<void> {
  const names = await run('podman', ['ps', '--all', '--format', '{{.Names}}']);
  for (const name of names.stdout.split('\n').filter((line) => line.startsWith(prefix))) {
    await removeContainer(name);
  }
}

/** What a container has of zram, seen from the host: its /dev nodes and its cgroup rules. */
export interface ZramView {
  /** zram numbers with a node in the container's /dev (with the right numbers). */
  nodes: number[];
  /** zram numbers with an exact `b 253:N rwm` rule in the container's devices cgroup. */
  rules: number[];
}

export async function zramView(container: TestContainer): Promise<ZramView> {
  const root = `/proc/${container.pid}/root/dev`;
  const nodes: number[] = [];
  for (const name of (await readdir(root)).filter((entry) => /^zram\d+$/.test(entry))) {
    const info = await lstat(join(root, name));
    const number = Number(name.slice(4));
    if (
      info.isBlockDevice() &&
      deviceMajor(info.rdev) === 253 &&
      deviceMinor(info.rdev) === number
    ) {
      nodes.push(number);
    }
  }
  const list = await devicesList(container);
  const rules = [...list.matchAll(/^b 253:(\d+) rwm$/gm)].map((match) => Number(match[1]));
  const byNumber = (a: number, b: number) => a - b;
  return { nodes: nodes.sort(byNumber), rules: rules.sort(byNumber) };
}

/** Waits until the container's zram nodes and rules are exactly the host's zram devices. */
export function zramConverged(container: TestContainer, timeoutMs = 30_000): Promise<ZramView> {
  return waitUntil(
    `${container.name} to have exactly the host's zram devices`,
    async () => {
      const expected = hostZram();
      const view = await zramView(container);
      return JSON.stringify(view) === JSON.stringify({ nodes: expected, rules: expected }) && view;
    },
    timeoutMs,
  );
}

/** The container's v1 `devices.list`, as the kernel enforces it. */
export async function devicesList(container: TestContainer): Promise<string> {
  const cgroup = (await readFile(`/proc/${container.pid}/cgroup`, 'utf8'))
    .split('\n')
    .find((line) => line.split(':')[1]?.split(',').includes('devices'));
  const path = cgroup?.slice(cgroup.indexOf(':', cgroup.indexOf(':') + 1) + 1);
  return readFile(`/sys/fs/cgroup/devices${path}/devices.list`, 'utf8');
}

/** Reads a device inside the container with its own dd; the exit code and dd's output. */
export async function readInside(container: TestContainer, number: number) {
  return readNode(container, `/dev/zram${number}`);
}

/** Reads one block of a node inside the container with its own dd. */
export async function readNode(container: TestContainer, path: string) {
  return run('podman', [
    'exec',
    container.id,
    'dd',
    `if=${path}`,
    'of=/dev/null',
    'bs=4096',
    'count=1',
  ]);
}

/**
 * Installs the hook the documented way into `<dir>/hooks.d`, told to ask the daemon on `socket`
 * (Podman passes hooks no environment, so the socket goes on the hook's command line).
 */
export async function installHook(dir: string, socket: string): Promise<string> {
  const hooksDir = join(dir, 'hooks.d');
  await check(process.execPath, [
    DEVBINDER,
    'hook',
    '--print-config',
    '--hooks-dir',
    hooksDir,
    '--daemon-socket',
    socket,
    '--cache-dir',
    join(dir, 'hook-cache'),
  ]);
  return hooksDir;
}

/**
 * Runs the hook as hooks.d does (an empty environment, the config on stdin) with `args`, its
 * cache in `<dir>/hook-cache` as `installHook` gives it.
 */
export async function runHook(
  dir: string,
  args: readonly string[],
  input: string,
): Promise<Result> {
  const cache = join(dir, 'hook-cache');
  await mkdir(cache, { recursive: true, mode: 0o700 });
  return runHookEntry([...args, '--cache-dir', cache], input);
}
