import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../../test-support/exec.js';
import { type ContainerState, STATE_FILE } from '../src/state.js';
import {
  daemonChildren,
  installHook,
  type TestContainer,
  waitUntil,
  ZRAM,
  zramConverged,
  zramView,
} from './support/lab.js';
import { useDaemonTestbed } from './support/testbed.js';

/*
 * The daemon's life: killed with SIGKILL while devices come and go (and a container starts
 * without it), killed in the middle of a pass during a burst, Podman's API going away and coming
 * back, and a clean stop on SIGTERM.
 */

const testbed = useDaemonTestbed('daemon-restart');
let hooksDir: string;
/** The containers started so far: the mid-pass test holds a pass for all of them. */
const containers: TestContainer[] = [];

async function container(name: string): Promise<TestContainer> {
  const started = await testbed.container(name, { annotations: ZRAM, hooksDir });
  containers.push(started);
  return started;
}

/**
 * Waits until the daemon is held in the middle of a pass for one of `candidates`: every target's
 * intent recorded in the state file and its cgroup rule written, but no node made. Returns it.
 */
async function heldHalfWay(targets: TestContainer[], candidates: number[]): Promise<number> {
  const stateFile = join(testbed.daemon.stateDir, STATE_FILE);
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

const start = () => testbed.startDaemon({ reconcileIntervalSeconds: 30 });

beforeAll(async () => {
  const daemon = await start();
  hooksDir = await installHook(testbed.dir, daemon.socket);
});

describe('devbinder daemon restarts', () => {
  it('converges after a SIGKILL while devices came and went and a container started', async () => {
    const first = await container('first');
    const early = await testbed.zram.add();
    await waitUntil(`zram${early} in ${first.name}`, async () =>
      (await zramView(first)).nodes.includes(early),
    );

    expect(await testbed.daemon.stop('SIGKILL')).toBe('SIGKILL');
    // Without a daemon: a device comes, a container starts (its hook does the work itself),
    // another device comes, then the first two go. (zram reuses the lowest free number, so
    // nothing goes before everything has come: each device keeps numbers of its own.)
    const during = await testbed.zram.add();
    const second = await container('second');
    const late = await testbed.zram.add();
    await testbed.zram.remove(early);
    await testbed.zram.remove(during);
    expect((await zramView(first)).nodes).toContain(early);
    expect((await zramView(second)).rules).toEqual(expect.arrayContaining([early, during]));
    for (const target of [first, second]) {
      const view = await zramView(target);
      expect(view.nodes).not.toContain(late);
      expect(view.rules).not.toContain(late);
    }

    await start();
    for (const target of [first, second]) {
      const view = await zramConverged(target);
      expect(view.nodes).toContain(late);
      expect(view.nodes).not.toContain(early);
      expect(view.nodes).not.toContain(during);
    }
    const state = JSON.parse(readFileSync(join(testbed.daemon.stateDir, STATE_FILE), 'utf8'));
    expect(state.containers.map(({ id }: { id: string }) => id).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    await testbed.zram.remove(late);
    for (const target of [first, second]) await zramConverged(target);
  });

  it('converges after a SIGKILL in the middle of a pass, during a burst of devices', async () => {
    const targets = [...containers, await container('mid-pass')];
    for (const target of targets) await zramConverged(target);
    // Held in the middle of a pass, for certain: its archive of nodes for tar is a FIFO no one
    // reads, so writing it blocks the daemon after it recorded its intent and wrote the cgroup
    // rules, before any node is made. (A new daemon numbers its archives from 1.)
    expect(await testbed.daemon.stop('SIGTERM')).toBe(0);
    const archive = join(testbed.daemon.stateDir, '.nodes', 'nodes-1.tar');
    mkdirSync(join(testbed.daemon.stateDir, '.nodes'), { recursive: true, mode: 0o700 });
    rmSync(archive, { force: true });
    await check('mkfifo', ['-m', '0600', archive]);
    await start();
    try {
      // A burst: the first pass that has a node to make is held, with whichever devices udevd
      // had announced by then (it may announce a later one first); the rest it never gets to.
      const burst: number[] = [];
      for (let i = 0; i < 4; i++) burst.push(await testbed.zram.add());
      const held = await heldHalfWay(targets, burst);
      expect(await testbed.daemon.stop('SIGKILL')).toBe('SIGKILL');

      // Without a daemon: one more device comes, then the held one and another of the burst
      // go. The containers keep the rule written for the held one, of a device that is gone:
      // only the intent recorded before it was written tells the next daemon to take it back.
      const late = await testbed.zram.add();
      const gone = [held, burst.find((number) => number !== held) as number];
      for (const number of gone) await testbed.zram.remove(number);
      rmSync(archive);
      await start();
      const staying = [...burst.filter((number) => !gone.includes(number)), late];
      // zramConverged is the check that the held device's rule was taken back: the rules it waits
      // for are exactly the host's zram devices, and the held one is gone.
      for (const target of targets) {
        const view = await zramConverged(target);
        expect(view.nodes).toEqual(expect.arrayContaining(staying));
      }
      for (const number of staying) await testbed.zram.remove(number);
    } finally {
      // Never leave a held daemon to the tests after this one.
      if (existsSync(archive)) {
        await testbed.daemon.stop('SIGKILL').catch(() => undefined);
        rmSync(archive);
        await start();
      }
    }
    for (const target of targets) await zramConverged(target);
  });

  it('follows containers started while the Podman API was away, once it is back', async () => {
    const { daemon } = testbed;
    const since = daemon.logs.length;
    await testbed.podman.stop();
    await daemon.waitForLog(
      'the lost events stream',
      ({ event }) => event === 'podman-events-gap',
      since,
    );
    // The podman command works without the API service. Away for seconds: attempts to follow
    // events again fail meanwhile.
    const third = await container('third');
    await sleep(6000);
    await testbed.startPodman();
    await daemon.waitForLog(
      'Podman events followed again',
      ({ event }) => event === 'podman-events-resumed',
      since,
    );
    await waitUntil(`the daemon to manage ${third.name}`, () => daemon.manages(third));
    const number = await testbed.zram.add();
    await waitUntil(`zram${number} in ${third.name}`, async () =>
      (await zramView(third)).nodes.includes(number),
    );
    await testbed.zram.remove(number);
    await zramConverged(third);

    expect(daemon.logsSince(since, 'podman-events-gap')).toHaveLength(1);
    expect(daemon.logsSince(since, 'podman-events-resumed')).toHaveLength(1);
    // Logged when it began, then once a minute at most.
    expect(daemon.logsSince(since, 'podman-unreachable')).toHaveLength(1);
    // One events stream again: a container started now is seen starting once.
    const fourth = await container('fourth');
    await waitUntil(`the daemon to manage ${fourth.name}`, () => daemon.manages(fourth));
    await sleep(1000);
    const starts = (await daemon.status()).lastEvents.filter(
      ({ kind, detail }) => kind === 'container' && detail === `start ${fourth.name}`,
    );
    expect(starts).toHaveLength(1);
  });

  it('stops cleanly on SIGTERM: exit 0, socket removed, no process left', async () => {
    const { daemon } = testbed;
    const children = daemonChildren(daemon);
    expect(children.length).toBeGreaterThanOrEqual(2); // udevadm monitor, the mknod shell
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(existsSync(daemon.socket)).toBe(false);
    expect(daemon.logs.at(-1)).toMatchObject({ event: 'stopped' });
    await waitUntil('its children to be gone', () =>
      children.every((pid) => !existsSync(`/proc/${pid}`)),
    );
  });
});
