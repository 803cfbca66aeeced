import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../../test-support/exec.js';
import { type ContainerState, STATE_FILE } from '../src/state.js';
import {
  hostZram,
  hotAdd,
  hotRemove,
  installHook,
  type PodmanService,
  type RunningDaemon,
  removeContainersNamed,
  startContainer,
  startDaemon,
  startPodmanService,
  type TestContainer,
  waitUntil,
  workDir,
  zramView,
} from './support/lab.js';

/*
 * The daemon's life: killed with SIGKILL while devices come and go (and a container starts
 * without it), killed in the middle of a pass during a burst, Podman's API going away and coming
 * back, and a clean stop on SIGTERM.
 */

const PREFIX = 'devbinder-daemon-restart-';
const ZRAM = { 'io.dev-binder.udev.subsystem': 'block:zram*' };

let work: Awaited<ReturnType<typeof workDir>>;
let podman: PodmanService;
let daemon: RunningDaemon;
let hooksDir: string;
const containers: TestContainer[] = [];
const made = new Set<number>();

async function add(): Promise<number> {
  const number = await hotAdd();
  made.add(number);
  return number;
}

async function remove(number: number): Promise<void> {
  await hotRemove(number);
  made.delete(number);
}

async function container(name: string): Promise<TestContainer> {
  const started = await startContainer({ name: `${PREFIX}${name}`, annotations: ZRAM, hooksDir });
  containers.push(started);
  return started;
}

function converged(target: TestContainer) {
  return waitUntil(`${target.name} to have exactly the host's zram devices`, async () => {
    const expected = hostZram();
    const view = await zramView(target);
    return JSON.stringify(view) === JSON.stringify({ nodes: expected, rules: expected }) && view;
  });
}

/**
 * Waits until the daemon is held in the middle of a pass for one of `candidates`: every target's
 * intent recorded in the state file and its cgroup rule written, but no node made. Returns it.
 */
async function heldHalfWay(targets: TestContainer[], candidates: number[]): Promise<number> {
  const stateFile = join(daemon.stateDir, STATE_FILE);
  let seen = '';
  return waitUntil(
    'a pass to be held half-way (intent recorded, rule written, no node)',
    async () => {
      const state = readFileSync(stateFile, 'utf8');
      const views = await Promise.all(targets.map(zramView));
      seen = `state ${state}, containers ${JSON.stringify(views)}`;
      const recorded = (JSON.parse(state) as { containers: ContainerState[] }).containers;
      return candidates.find(
        (number) =>
          targets.every(({ id }) =>
            recorded.some(
              (entry) =>
                entry.id === id && entry.nodes.some(({ path }) => path === `/dev/zram${number}`),
            ),
          ) && views.every(({ nodes, rules }) => rules.includes(number) && !nodes.includes(number)),
      );
    },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${seen}`);
  });
}

const start = () =>
  startDaemon({ dir: work.path, podmanSocket: podman.socket, reconcileIntervalSeconds: 30 });

beforeAll(async () => {
  work = await workDir('daemon-restart');
  await removeContainersNamed(PREFIX);
  podman = await startPodmanService(work.path);
  daemon = await start();
  hooksDir = await installHook(work.path, daemon.socket);
});

afterAll(async () => {
  for (const started of containers) await started.remove();
  await daemon?.stop('SIGKILL');
  await podman?.stop();
  for (const number of made) await hotRemove(number);
  await work?.remove();
});

describe('devbinder daemon restarts', () => {
  it('converges after a SIGKILL while devices came and went and a container started', async () => {
    const first = await container('first');
    const early = await add();
    await waitUntil(`zram${early} in ${first.name}`, async () =>
      (await zramView(first)).nodes.includes(early),
    );

    expect(await daemon.stop('SIGKILL')).toBe('SIGKILL');
    // Without a daemon: a device comes, a container starts (its hook does the work itself),
    // another device comes, then the first two go. (zram reuses the lowest free number, so
    // nothing goes before everything has come: each device keeps numbers of its own.)
    const during = await add();
    const second = await container('second');
    const late = await add();
    await remove(early);
    await remove(during);
    expect((await zramView(first)).nodes).toContain(early);
    expect((await zramView(second)).rules).toEqual(expect.arrayContaining([early, during]));
    for (const target of [first, second]) {
      const view = await zramView(target);
      expect(view.nodes).not.toContain(late);
      expect(view.rules).not.toContain(late);
    }

    daemon = await start();
    for (const target of [first, second]) {
      const view = await converged(target);
      expect(view.nodes).toContain(late);
      expect(view.nodes).not.toContain(early);
      expect(view.nodes).not.toContain(during);
    }
    const state = JSON.parse(readFileSync(join(daemon.stateDir, STATE_FILE), 'utf8'));
    expect(state.containers.map(({ id }: { id: string }) => id).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    await remove(late);
    for (const target of [first, second]) await converged(target);
  });

  it('converges after a SIGKILL in the middle of a pass, during a burst of devices', async () => {
    const targets = [...containers, await container('mid-pass')];
    for (const target of targets) await converged(target);
    // Held in the middle of a pass, for certain: its archive of nodes for tar is a FIFO no one
    // reads, so writing it blocks the daemon after it recorded its intent and wrote the cgroup
    // rules, before any node is made. (A new daemon numbers its archives from 1.)
    expect(await daemon.stop('SIGTERM')).toBe(0);
    const archive = join(daemon.stateDir, '.nodes', 'nodes-1.tar');
    mkdirSync(join(daemon.stateDir, '.nodes'), { recursive: true, mode: 0o700 });
    rmSync(archive, { force: true });
    await check('mkfifo', ['-m', '0600', archive]);
    daemon = await start();
    try {
      // A burst: the first pass that has a node to make is held, with whichever devices udevd
      // had announced by then (it may announce a later one first); the rest it never gets to.
      const burst = [await add(), await add(), await add(), await add()];
      const held = await heldHalfWay(targets, burst);
      expect(await daemon.stop('SIGKILL')).toBe('SIGKILL');

      // Without a daemon: one more device comes, then the held one and another of the burst
      // go. The containers keep the rule written for the held one, of a device that is gone:
      // only the intent recorded before it was written tells the next daemon to take it back.
      const late = await add();
      const gone = [held, burst.find((number) => number !== held) as number];
      for (const number of gone) await remove(number);
      rmSync(archive);
      daemon = await start();
      const staying = [...burst.filter((number) => !gone.includes(number)), late];
      for (const target of targets) {
        const view = await converged(target);
        expect(view.rules).not.toContain(held);
        expect(view.nodes).toEqual(expect.arrayContaining(staying));
      }
      for (const number of staying) await remove(number);
    } finally {
      // Never leave a held daemon to the tests after this one.
      if (existsSync(archive)) {
        await daemon.stop('SIGKILL').catch(() => undefined);
        rmSync(archive);
        daemon = await start();
      }
    }
    for (const target of targets) await converged(target);
  });

  it('follows containers started while the Podman API was away, once it is back', async () => {
    const since = daemon.logs.length;
    await podman.stop();
    await daemon.waitForLog(
      'the lost events stream',
      ({ event }) => event === 'podman-events-gap',
      since,
    );
    // The podman command works without the API service. Away for seconds: attempts to follow
    // events again fail meanwhile.
    const third = await container('third');
    await new Promise((resolve) => setTimeout(resolve, 6000));
    podman = await startPodmanService(work.path);
    await daemon.waitForLog(
      'Podman events followed again',
      ({ event }) => event === 'podman-events-resumed',
      since,
    );
    await waitUntil(`the daemon to manage ${third.name}`, async () =>
      (await daemon.status()).containers.some(({ id }) => id === third.id),
    );
    const number = await add();
    await waitUntil(`zram${number} in ${third.name}`, async () =>
      (await zramView(third)).nodes.includes(number),
    );
    await remove(number);
    await converged(third);

    const logged = (event: string) => daemon.logs.slice(since).filter((r) => r.event === event);
    expect(logged('podman-events-gap')).toHaveLength(1);
    expect(logged('podman-events-resumed')).toHaveLength(1);
    // Logged when it began, then once a minute at most.
    expect(logged('podman-unreachable')).toHaveLength(1);
    // One events stream again: a container started now is seen starting once.
    const fourth = await container('fourth');
    await waitUntil(`the daemon to manage ${fourth.name}`, async () =>
      (await daemon.status()).containers.some(({ id }) => id === fourth.id),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const starts = (await daemon.status()).lastEvents.filter(
      ({ kind, detail }) => kind === 'container' && detail === `start ${fourth.name}`,
    );
    expect(starts).toHaveLength(1);
  });

  it('stops cleanly on SIGTERM: exit 0, socket removed, no process left', async () => {
    const children = readFileSync(`/proc/${daemon.pid}/task/${daemon.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/);
    expect(children.length).toBeGreaterThanOrEqual(2); // udevadm monitor, the mknod shell
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(existsSync(daemon.socket)).toBe(false);
    expect(daemon.logs.at(-1)).toMatchObject({ event: 'stopped' });
    await waitUntil('its children to be gone', () =>
      children.every((pid) => !existsSync(`/proc/${pid}`)),
    );
  });
});
