/**
 * The setup every daemon integration test file shares, and its cleanup: a private work directory,
 * Podman's API service on a socket in it, the daemons the file starts, containers named for the
 * file, and zram devices made through the kernel. The file's own `beforeAll` runs with the work
 * directory and Podman ready, and starts its daemon with the options it tests.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { Result } from '../../../../test-support/exec.js';
import {
  type DaemonOptions,
  hotAdd,
  hotRemove,
  type PodmanService,
  type RunningDaemon,
  removeContainersNamed,
  runHook,
  spawnDaemon,
  startContainer,
  startPodmanService,
  type TestContainer,
  workDir,
} from './lab.js';

/**
 * A testbed for this test file, set up before its tests and torn down after them. Teardown undoes
 * everything set up, each part even when another part fails or setup stopped half-way, in this
 * order: the file's containers, its daemons, what it gave `onTeardown`, Podman, the zram devices
 * still there, the work directory.
 *
 * `name` names the work directory (`devbinder-<name>-…`) and the containers
 * (`devbinder-<name>-<container>`).
 */
export function useDaemonTestbed(name: string): DaemonTestbed {
  const testbed = new DaemonTestbed(name);
  beforeAll(() => testbed.setUp());
  afterAll(() => testbed.tearDown());
  return testbed;
}

/** zram devices made through the kernel for one test file; the testbed removes those left. */
export class ZramDevices {
  readonly #made = new Set<number>();

  async add(options: { size?: string } = {}): Promise<number> {
    const number = await hotAdd(options);
    this.#made.add(number);
    return number;
  }

  async remove(number: number): Promise<void> {
    await hotRemove(number);
    this.#made.delete(number);
  }

  /** Made and not removed yet. */
  get left(): number[] {
    return [...this.#made];
  }
}

export class DaemonTestbed {
  readonly zram = new ZramDevices();
  readonly #name: string;
  readonly #containerPrefix: string;
  #work: Awaited<ReturnType<typeof workDir>> | undefined;
  readonly #podmanServices: PodmanService[] = [];
  readonly #daemons: RunningDaemon[] = [];
  readonly #teardowns: (() => Promise<void> | void)[] = [];

  constructor(name: string) {
    this.#name = name;
    this.#containerPrefix = `devbinder-${name}-`;
  }

  /** The private work directory (root-only: the daemon's socket, state and caches live in it). */
  get dir(): string {
    return this.#started(this.#work, 'work directory').path;
  }

  /** The Podman API service started last. */
  get podman(): PodmanService {
    return this.#started(this.#podmanServices.at(-1), 'Podman API service');
  }

  /** The daemon started last. */
  get daemon(): RunningDaemon {
    return this.#started(this.#daemons.at(-1), 'daemon (startDaemon)');
  }

  async setUp(): Promise<void> {
    this.#work = await workDir(this.#name);
    // What a killed run of this file left behind.
    await removeContainersNamed(this.#containerPrefix);
    await this.startPodman();
  }

  /** Starts Podman's API service on `<dir>/podman.sock`: at setup, and again after a test stopped it. */
  async startPodman(): Promise<PodmanService> {
    const podman = await startPodmanService(this.dir);
    this.#podmanServices.push(podman);
    return podman;
  }

  /**
   * Starts a daemon in the work directory against the Podman service, with `options` over those,
   * and waits until it is ready; it is `daemon` from then on.
   */
  async startDaemon(options: Partial<DaemonOptions> = {}): Promise<RunningDaemon> {
    const daemon = spawnDaemon({ dir: this.dir, podmanSocket: this.podman.socket, ...options });
    // Tracked before it is ready: one that never gets there is stopped at teardown too.
    this.#daemons.push(daemon);
    await daemon.waitForLog('ready', (record) => record.event === 'ready');
    return daemon;
  }

  /** Starts a test container named `devbinder-<testbed name>-<name>`. */
  container(
    name: string,
    options: Omit<Parameters<typeof startContainer>[0], 'name'> = {},
  ): Promise<TestContainer> {
    return startContainer({ name: `${this.#containerPrefix}${name}`, ...options });
  }

  /**
   * `undo` runs at teardown once the daemons have stopped and before Podman stops: for what stands
   * between them (a proxy). The last one given runs first.
   */
  onTeardown(undo: () => Promise<void> | void): void {
    this.#teardowns.push(undo);
  }

  async tearDown(): Promise<void> {
    const failures: string[] = [];
    const step = async (what: string, action: () => Promise<unknown> | unknown) => {
      try {
        await action();
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    // By name: also a container whose start failed half-way, or that a test started itself.
    await step('removing the containers', () => removeContainersNamed(this.#containerPrefix));
    for (const daemon of this.#daemons) {
      await step(`stopping the daemon (pid ${daemon.pid})`, () => stopDaemon(daemon));
    }
    for (const undo of [...this.#teardowns].reverse()) {
      await step('a teardown of the test file', undo);
    }
    for (const podman of this.#podmanServices) {
      await step('stopping the Podman API service', () => podman.stop());
    }
    for (const number of this.zram.left) {
      await step(`removing zram${number}`, () => this.zram.remove(number));
    }
    await step('removing the work directory', () => this.#work?.remove());
    if (failures.length > 0) {
      throw new Error(`the ${this.#name} testbed's teardown failed:\n${failures.join('\n')}`);
    }
  }

  #started<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`the ${this.#name} testbed has no ${what} yet`);
    return value;
  }
}

/**
 * SIGTERM, as systemd stops it (nothing, to a daemon that has exited already), then SIGKILL should
 * it not exit within 10 s: it finishes the changes a pass is applying before it stops, and a
 * failed test may have left a pass blocked.
 */
async function stopDaemon(daemon: RunningDaemon): Promise<void> {
  // The SIGTERM's stop() reports what this one would (stderr that is not JSON log lines).
  const kill = setTimeout(() => void daemon.stop('SIGKILL').catch(() => undefined), 10_000);
  try {
    await daemon.stop('SIGTERM');
  } finally {
    clearTimeout(kill);
  }
}

/**
 * The testbed's daemon declines the hook run with `args` on `input` (one more declined, by its
 * count), and the hook then gives the answer it gives alone (`--no-daemon`). Returns that answer.
 */
export async function expectDeclinedAndAnsweredAlone(
  testbed: DaemonTestbed,
  args: readonly string[],
  input: string,
): Promise<Result> {
  const { daemon } = testbed;
  const before = (await daemon.status()).counters;
  const viaDaemon = await runHook(testbed.dir, ['--daemon-socket', daemon.socket, ...args], input);
  const alone = await runHook(testbed.dir, ['--no-daemon', ...args], input);
  expect(viaDaemon).toEqual(alone);
  expect((await daemon.status()).counters.hookDeclined).toBe(before.hookDeclined + 1);
  return alone;
}
