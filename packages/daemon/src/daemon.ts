import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StatNode } from '@devbinder/engine';
import { statDeviceNode } from '@devbinder/oci';
import { readLiveDatabase, type UdevDatabase } from '@devbinder/udev';
import { hostHasDevice } from './adopt.js';
import {
  type AccessHandling,
  Applier,
  type CgroupAccessMode,
  describeChanges,
  type Outcome,
  type Target,
} from './apply.js';
import { type DevicesHierarchy, findDevicesHierarchy } from './cgroup-v1.js';
import { NodeMaker } from './container-fs.js';
import { ControlServer } from './control.js';
import { type DatabaseView, LiveDatabase } from './database.js';
import { type Decision, decide, decisionKey, isManaged, notPreauthorized } from './decide.js';
import { LastingProblem, type Logger } from './log.js';
import type { WantedNode } from './plan.js';
import type { Selectors } from './plugins.js';
import { type ContainerEvent, type ContainerInfo, PodmanClient, PodmanError } from './podman.js';
import { PodmanEvents } from './podman-events.js';
import { type HookReply, type HookRequest, socketTrustProblem } from './protocol.js';
import { type GivenNode, StateStore } from './state.js';
import { type UdevEvent, UdevMonitor } from './udev-monitor.js';

export interface DaemonOptions {
  podmanSocket: string;
  controlSocket: string;
  /** Per-container records of what was given (default /run/devbinder/state). */
  stateDir: string;
  /** Full reconciliation (containers re-listed, every node and rule checked) this often. */
  reconcileIntervalMs: number;
  log: Logger;
  /** The selector plugins, kept loaded, as they are now (see ReloadingPlugins). */
  selectors: Selectors;
  /** Answers a hook exactly as `devbinder hook` would, from the daemon's database. */
  answerHook(request: HookRequest, view: DatabaseView): Promise<HookReply>;
  readDatabase?: (warn: (message: string) => void) => UdevDatabase;
  /** Where the v1 devices hierarchy is mounted (default: found in /proc/self/mountinfo). */
  devicesHierarchy?: DevicesHierarchy | undefined;
  /** Whether v1 device rules are written (default `write`); see `CgroupAccessMode`. */
  cgroupAccess?: CgroupAccessMode;
  udevadm?: string;
}

/** A container the daemon manages. */
interface Managed {
  info: ContainerInfo;
  decisionKey: string;
  /** What it holds from devbinder after the last pass; undefined before its first pass. */
  given: GivenNode[] | undefined;
  lastChange: { time: string; actions: string[] } | undefined;
  /**
   * Why nothing is done for it (user namespace, no creation config), or what went wrong last
   * time.
   */
  problems: string[];
  /** How its access is handled, once a pass has met it. */
  access: AccessHandling | undefined;
  /**
   * Nodes not made because its access does not grant them, by `/dev/zram3 (b 253:3)`, with why.
   * Apart from `problems`: nothing can change that before the next full check, so it must not
   * bring the container into every pass.
   */
  withheld: Map<string, string>;
}

export interface DaemonStatus {
  pid: number;
  startedAt: string;
  controlSocket: string;
  podmanSocket: string;
  podmanVersion: string;
  cgroupAccess: CgroupAccessMode;
  udev: { devices: number; source: string; monitor: 'listening' | 'restarting' };
  podmanEvents: 'following' | 'reconnecting';
  containers: Array<{
    id: string;
    name: string;
    pid: number;
    access: AccessHandling | undefined;
    devices: GivenNode[];
    lastChange: { time: string; actions: string[] } | undefined;
    /** What went wrong, and each wanted node not made with why (`… not pre-authorized: …`). */
    problems: string[];
  }>;
  counters: {
    udevEvents: number;
    containerEvents: number;
    passes: number;
    changes: number;
    hookAnswers: number;
    hookDeclined: number;
  };
  lastEvents: Array<{ time: string; kind: string; detail: string }>;
}

/** What the next pass must do. */
interface Pending {
  /** Re-list the running containers (start, a gap in Podman events, periodic). */
  sync: boolean;
  /** Check every managed container's nodes and rules, changed or not. */
  everything: boolean;
  /** Containers to look up (a start event). */
  inspect: Set<string>;
  reasons: string[];
}

const LAST_EVENTS = 50;
const CHANGES_DATA_DIRECTORY = new Set(['add', 'change', 'remove']);
const LISTEN_TIMEOUT_MS = 10_000;
/** While Podman's API stays unreachable, how often that is logged again. */
const UNREACHABLE_LOG_EVERY_MS = 60_000;
/** How long start waits for Podman's API before giving up (exit 3). */
const PODMAN_START_TIMEOUT_MS = 30_000;

/**
 * The hot-plug daemon: follows udev and Podman, and keeps each managed container's device nodes and
 * device cgroup equal to what the engine decides from its annotations and the current database.
 * Work happens in passes, one at a time; events arriving during a pass are merged into the next,
 * so a burst of events costs a few passes, not one each.
 */
export class Daemon {
  private readonly podman: PodmanClient;
  private readonly database: LiveDatabase;
  private readonly store: StateStore;
  private readonly applier: Applier;
  private readonly monitor: UdevMonitor;
  private readonly nodeMaker: NodeMaker;
  private readonly managed = new Map<string, Managed>();
  /** Wanted nodes per decision key at the last pass, to skip containers nothing changed for. */
  private readonly lastWanted = new Map<string, string>();
  private readonly events: PodmanEvents;
  /** Podman's API not answering, at start or while following its events again. */
  private readonly unreachable: LastingProblem;
  private control: ControlServer | undefined;
  private podmanVersion = '';
  private pending: Pending = emptyPending();
  private passing: Promise<void> | undefined;
  /** Aborts what start and passes wait for (Podman's answers, the monitor) once stop() is called. */
  private readonly abort = new AbortController();
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listening: (() => void) | undefined;
  private monitorState: DaemonStatus['udev']['monitor'] = 'restarting';
  private readonly startedAt = new Date().toISOString();
  private readonly cgroupAccess: CgroupAccessMode;
  private readonly lastEvents: DaemonStatus['lastEvents'] = [];
  private readonly counters: DaemonStatus['counters'] = {
    udevEvents: 0,
    containerEvents: 0,
    passes: 0,
    changes: 0,
    hookAnswers: 0,
    hookDeclined: 0,
  };

  constructor(private readonly options: DaemonOptions) {
    const { log } = options;
    this.cgroupAccess = options.cgroupAccess ?? 'write';
    this.podman = new PodmanClient(options.podmanSocket, this.abort.signal);
    this.unreachable = new LastingProblem(
      (fields) => log.warn('podman-unreachable', fields),
      UNREACHABLE_LOG_EVERY_MS,
    );
    this.events = new PodmanEvents(this.podman, {
      onEvent: (event) => this.onContainerEvent(event),
      onMalformed: (message) => log.warn('podman-event-malformed', { message }),
      onGap: (reason) => {
        this.note('gap', `podman events: ${reason}`);
        log.warn('podman-events-gap', { reason });
      },
      onAttemptFailed: (message) => this.unreachable.met(message),
      onResumed: () => {
        log.info('podman-events-resumed', { ...this.unreachable.over() });
        this.schedule({ sync: true, everything: true }, 'podman events resumed');
      },
    });
    this.database = new LiveDatabase(
      options.readDatabase ?? ((warn) => readLiveDatabase({ warn })),
    );
    this.store = new StateStore(options.stateDir, (message) => log.warn('state', { message }));
    this.nodeMaker = new NodeMaker(join(options.stateDir, '.nodes'));
    this.nodeMaker.start();
    this.applier = new Applier({
      store: this.store,
      nodeMaker: this.nodeMaker,
      devicesHierarchy:
        'devicesHierarchy' in options ? options.devicesHierarchy : findDevicesHierarchy(),
      cgroupAccess: this.cgroupAccess,
      hostHas: hostHasDevice,
      stillManaged: (id) => this.managed.has(id),
    });
    this.monitor = new UdevMonitor({
      ...(options.udevadm === undefined ? {} : { udevadm: options.udevadm }),
      onListening: () => {
        this.monitorState = 'listening';
        this.listening?.();
        this.database.invalidate();
        this.schedule({ everything: true }, 'udev monitor listening');
      },
      onEvent: (event) => this.onUdevEvent(event),
      onGap: (reason) => {
        this.monitorState = 'restarting';
        this.note('gap', reason);
        log.warn('udev-monitor-gap', { reason });
      },
      onMalformed: (line, message) => log.warn('udev-monitor-malformed', { line, message }),
    });
  }

  /**
   * Starts following udev and Podman; resolves with `ready` after the first full reconciliation.
   * A `stop()` meanwhile ends the start at once (whatever it waits for is aborted) and it resolves
   * with `stopped`; a start that fails stops whatever it started, then rejects.
   */
  async start(): Promise<'ready' | 'stopped'> {
    const { log } = this.options;
    try {
      await this.connect();
      this.schedule({ sync: true, everything: true }, 'start');
      await this.passing;
    } catch (error) {
      const stopRequested = this.stopping;
      await this.stop();
      if (stopRequested) return 'stopped';
      throw error;
    }
    if (this.stopping) {
      await this.stop();
      return 'stopped';
    }
    this.timer = setInterval(
      () => this.schedule({ sync: true, everything: true }, 'periodic reconciliation'),
      this.options.reconcileIntervalMs,
    );
    log.info('ready', {
      pid: process.pid,
      socket: this.options.controlSocket,
      podman: `${this.podmanVersion} at ${this.options.podmanSocket}`,
      cgroupAccess: this.cgroupAccess,
      containers: this.managed.size,
    });
    return 'ready';
  }

  /** Podman's API, the control socket, the udev monitor and Podman's events, in that order. */
  private async connect(): Promise<void> {
    this.podmanVersion = await this.waitForPodman();
    const control = await ControlServer.listen(this.options.controlSocket, {
      hook: (request) => this.answerHook(request),
      status: () => this.status(),
    });
    // A stop that came meanwhile found no socket to close.
    if (this.stopping) await control.close();
    else this.control = control;
    const untrusted = socketTrustProblem(this.options.controlSocket);
    if (untrusted !== undefined) {
      throw new Error(`hooks would not trust the control socket: ${untrusted}`);
    }
    const { signal } = this.abort;
    signal.throwIfAborted();
    const listening = new Promise<void>((resolve, reject) => {
      const aborted = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', aborted);
        reject(new Error(`udevadm monitor did not start listening within ${LISTEN_TIMEOUT_MS} ms`));
      }, LISTEN_TIMEOUT_MS);
      signal.addEventListener('abort', aborted, { once: true });
      this.listening = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        resolve();
      };
    });
    this.monitor.start();
    await listening;
    await this.events.start();
  }

  /**
   * Podman's version, once its API answers: a socket-activated service may take a while to start,
   * and a busy one (its database locked by other commands) to answer.
   */
  private async waitForPodman(): Promise<string> {
    const socket = this.options.podmanSocket;
    if (!existsSync(socket)) {
      throw new PodmanError(`no Podman API socket at ${socket} (is podman.socket enabled?)`);
    }
    const deadline = Date.now() + PODMAN_START_TIMEOUT_MS;
    for (;;) {
      try {
        const version = await this.podman.version();
        this.unreachable.over();
        return version;
      } catch (error) {
        this.abort.signal.throwIfAborted();
        if (Date.now() >= deadline) throw error;
        this.unreachable.met((error as Error).message);
        await sleep(500, undefined, { signal: this.abort.signal });
      }
    }
  }

  /**
   * Stops following events, aborts what a start or the pass under way waits for from Podman
   * (a pass that is applying changes finishes them), closes the socket. Once; later calls wait for
   * the same stop.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.abort.abort(new Error('the daemon is stopping'));
    clearInterval(this.timer);
    this.monitor.stop();
    this.events.stop();
    await this.passing;
    this.applier.releaseAll();
    this.nodeMaker.stop();
    await this.control?.close();
    this.options.log.info('stopped', { containers: this.managed.size });
  }

  status(): DaemonStatus {
    // The database as the last pass or hook saw it: asking for status must not cost a read.
    const view = this.database.last() ?? this.database.current();
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      controlSocket: this.options.controlSocket,
      podmanSocket: this.options.podmanSocket,
      podmanVersion: this.podmanVersion,
      cgroupAccess: this.cgroupAccess,
      udev: {
        devices: view.database.devices.length,
        source: view.database.source,
        monitor: this.monitorState,
      },
      podmanEvents: this.events.following ? 'following' : 'reconnecting',
      containers: [...this.managed.values()].map(
        ({ info, access, given, lastChange, problems, withheld }) => ({
          id: info.id,
          name: info.name,
          pid: info.pid,
          access,
          devices: given ?? [],
          lastChange,
          problems: [
            ...problems,
            ...[...withheld].map(([device, reason]) => `${device} ${reason}`),
          ],
        }),
      ),
      counters: { ...this.counters },
      lastEvents: [...this.lastEvents],
    };
  }

  /**
   * Schedules a pass over every container whose devices may have changed: something the
   * decisions depend on changed other than udev (the plugins).
   */
  recheck(reason: string): void {
    this.schedule({}, reason);
  }

  private async answerHook(request: HookRequest): Promise<HookReply> {
    const reply = await this.options.answerHook(request, this.database.current());
    if (reply.kind === 'hook') this.counters.hookAnswers++;
    else this.counters.hookDeclined++;
    return reply;
  }

  private onUdevEvent(event: UdevEvent): void {
    this.counters.udevEvents++;
    this.note('udev', `${event.action} ${event.devpath}`);
    // udevd writes (or, on remove, deletes) the device's database file before it announces the
    // event, which moves /run/udev/data: the database notices by itself. A driver bound or a
    // device renamed may change sysfs facts of devices without a file (ancestors): read again.
    if (!CHANGES_DATA_DIRECTORY.has(event.action)) this.database.invalidate();
    this.schedule({}, `udev ${event.action} ${event.devpath}`);
  }

  private onContainerEvent(event: ContainerEvent): void {
    this.counters.containerEvents++;
    const known = this.managed.has(event.id);
    if (event.action === 'start') {
      this.note('container', `start ${event.name}`);
      this.schedule({ inspect: [event.id] }, `container start ${event.name}`);
      return;
    }
    if (known) this.note('container', `${event.action} ${event.name}`);
    this.forget(event.id, event.action);
  }

  /** A container that died or was removed: nothing to take back, its nodes and cgroup went with it. */
  private forget(id: string, why: string): void {
    const managed = this.managed.get(id);
    this.managed.delete(id);
    this.applier.release(id);
    this.store.delete(id);
    this.store.save();
    if (managed) this.options.log.info('container-gone', { container: managed.info.name, id, why });
  }

  private schedule(
    work: { sync?: boolean; everything?: boolean; inspect?: string[] },
    reason: string,
  ): void {
    if (this.stopping) return;
    const pending = this.pending;
    pending.sync ||= work.sync ?? false;
    pending.everything ||= work.everything ?? false;
    for (const id of work.inspect ?? []) pending.inspect.add(id);
    if (pending.reasons.length < 5) pending.reasons.push(reason);
    else if (pending.reasons.length === 5) pending.reasons.push('…');
    this.passing ??= this.runPasses().finally(() => {
      this.passing = undefined;
    });
  }

  private async runPasses(): Promise<void> {
    // Let the events of one burst that have already arrived join the first pass.
    await new Promise((resolve) => setImmediate(resolve));
    while (!this.stopping) {
      const work = this.pending;
      if (!work.sync && !work.everything && work.inspect.size === 0 && work.reasons.length === 0) {
        return;
      }
      this.pending = emptyPending();
      try {
        await this.pass(work);
      } catch (error) {
        // A stop aborts the Podman calls of the pass under way: that is no failure.
        if (this.stopping) return;
        this.options.log.error('pass-failed', {
          reasons: work.reasons,
          message: (error as Error).stack ?? String(error),
        });
      }
    }
  }

  private async pass(work: Pending): Promise<void> {
    this.counters.passes++;
    const clock = new PassClock();
    const fresh = new Set<string>();
    if (work.sync) for (const id of await this.syncContainers()) fresh.add(id);
    for (const id of work.inspect) if (await this.track(id)) fresh.add(id);
    clock.lap('podman');

    const view = this.database.current();
    clock.lap('udev');
    const wantedByKey = await this.options.selectors.use(async ({ runner }) => {
      const decisions = new Map<string, Promise<Decision>>();
      for (const { decisionKey: key, info } of this.managed.values()) {
        if (!decisions.has(key)) {
          decisions.set(key, decide(info.annotations, view.database, runner, statHostNode));
        }
      }
      const decided = new Map<string, Decision>();
      for (const [key, decision] of decisions) decided.set(key, await decision);
      return decided;
    });
    const changedKeys = new Set<string>();
    for (const [key, decided] of wantedByKey) {
      const wanted = JSON.stringify(decided.nodes);
      if (this.lastWanted.get(key) !== wanted) changedKeys.add(key);
      this.lastWanted.set(key, wanted);
    }
    for (const key of this.lastWanted.keys()) {
      if (!wantedByKey.has(key)) this.lastWanted.delete(key);
    }
    const targets: Target[] = [];
    for (const managed of this.managed.values()) {
      const key = managed.decisionKey;
      const decided = wantedByKey.get(key);
      if (!decided) continue;
      for (const selector of decided.failedSelectors) {
        this.options.log.warn('selector-failed', {
          container: managed.info.name,
          selector,
          problems: decided.problems.map(({ annotation, message }) => `${annotation}: ${message}`),
        });
      }
      const needed =
        work.everything ||
        fresh.has(managed.info.id) ||
        changedKeys.has(key) ||
        managed.problems.length > 0;
      if (needed) {
        targets.push({
          container: managed.info,
          wanted: decided.nodes,
          revoke: decided.failedSelectors.length === 0,
          given: managed.given,
        });
      }
    }
    clock.lap('decide');
    if (targets.length === 0) return;
    const outcomes = await this.applier.apply(targets);
    clock.lap('apply');
    for (const outcome of outcomes) this.record(outcome, work, clock.laps);
  }

  private record(outcome: Outcome, work: Pending, timings: Readonly<Record<string, number>>): void {
    const { log } = this.options;
    const managed = this.managed.get(outcome.id);
    if (outcome.status === 'gone') {
      this.forget(outcome.id, 'its process or cgroup is gone');
      return;
    }
    if (!managed) return;
    const container = managed.info.name;
    if (outcome.status === 'skipped' || outcome.status === 'failed') {
      const first = managed.problems[0] !== outcome.reason;
      managed.problems = [outcome.reason];
      if (first) log.warn(`container-${outcome.status}`, { container, reason: outcome.reason });
      return;
    }
    managed.given = outcome.given;
    managed.problems = outcome.problems;
    managed.access = outcome.access;
    for (const problem of outcome.problems) log.warn('container-problem', { container, problem });
    this.noteWithheld(managed, outcome.changes.withheld);
    const actions = describeChanges(outcome.changes);
    if (actions.length === 0) return;
    this.counters.changes++;
    managed.lastChange = { time: new Date().toISOString(), actions };
    this.note('change', `${container}: ${actions.join(', ')}`);
    log.info('devices-changed', {
      container,
      id: outcome.id,
      actions,
      reasons: work.reasons,
      pass: this.counters.passes,
      ms: timings,
    });
  }

  /** Logs each wanted node newly withheld from a container (once, not at every pass). */
  private noteWithheld(managed: Managed, nodes: readonly WantedNode[]): void {
    const withheld = new Map<string, string>();
    for (const node of nodes) {
      const device = `${node.path} (${node.type} ${node.major}:${node.minor})`;
      const reason = notPreauthorized(node, managed.info.annotations);
      withheld.set(device, reason);
      if (managed.withheld.get(device) === reason) continue;
      this.options.log.warn('device-not-preauthorized', {
        container: managed.info.name,
        device,
        reason,
      });
    }
    managed.withheld = withheld;
  }

  /** Re-lists running containers; returns the ids met for the first time. */
  private async syncContainers(): Promise<string[]> {
    const running = new Set(await this.podman.runningContainers());
    for (const id of this.managed.keys()) if (!running.has(id)) this.forget(id, 'not running');
    const fresh: string[] = [];
    for (const id of running) {
      if (!this.managed.has(id) && (await this.track(id))) fresh.push(id);
    }
    // State of containers that ended while no daemon watched.
    for (const id of this.store.ids()) if (!this.managed.has(id)) this.store.delete(id);
    this.store.save();
    return fresh;
  }

  /** Looks a container up; true when it is running, managed, and was not tracked before. */
  private async track(id: string): Promise<boolean> {
    let info: ContainerInfo | undefined;
    try {
      info = await this.podman.inspect(id);
    } catch (error) {
      this.abort.signal.throwIfAborted();
      // One container Podman cannot describe now must not stop the pass; the next sync retries.
      this.options.log.warn('inspect-failed', { id, message: (error as Error).message });
      return false;
    }
    const known = this.managed.get(id);
    if (!info?.running || !isManaged(info.annotations)) {
      if (known) this.forget(id, 'not running');
      return false;
    }
    if (known && known.info.startedAt === info.startedAt) return false;
    this.managed.set(id, {
      info,
      decisionKey: decisionKey(info.annotations),
      given: undefined,
      lastChange: undefined,
      problems: [],
      access: undefined,
      withheld: new Map(),
    });
    this.options.log.info('container-managed', { container: info.name, id, pid: info.pid });
    return true;
  }

  private note(kind: string, detail: string): void {
    this.lastEvents.push({ time: new Date().toISOString(), kind, detail });
    if (this.lastEvents.length > LAST_EVENTS) this.lastEvents.shift();
  }
}

/** Node facts from the host's /dev, as the hook reads them (no test root: the daemon is live only). */
const statHostNode: StatNode = (_device, devnode, containerPath) =>
  statDeviceNode(devnode, containerPath);

/** Where a pass spent its time (ms per step), logged with its changes. */
class PassClock {
  readonly laps: Record<string, number> = {};
  private last = performance.now();

  lap(step: string): void {
    const now = performance.now();
    this.laps[step] = Math.round((now - this.last) * 10) / 10;
    this.last = now;
  }
}

function emptyPending(): Pending {
  return { sync: false, everything: false, inspect: new Set(), reasons: [] };
}
