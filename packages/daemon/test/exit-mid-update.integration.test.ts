import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATE_FILE } from '../src/state.js';
import {
  daemonChildren,
  type TestContainer,
  waitUntil,
  ZRAM,
  zramConverged,
} from './support/lab.js';
import { PodmanDouble } from './support/podman-double.js';
import { useDaemonTestbed } from './support/testbed.js';

/*
 * Containers that exit while the daemon works on them, made certain rather than left to chance:
 * the daemon talks to real Podman through a proxy that holds back what Podman says, so the
 * daemon acts on a container that has exited since Podman told it about it. Two moments: a
 * container it manages (its process held open) exits and the news of it is late, so the next
 * pass meets it gone; and a container exits after Podman described it to the daemon (its pid
 * read), before the daemon's first pass for it. Each time the pass must find it gone, drop it
 * with its state, and go on with the other container; nothing stays open.
 */

const testbed = useDaemonTestbed('daemon-exit');
let proxy: PodmanDouble;
let steady: TestContainer;

const isInspect = (path: string) => /\/containers\/[0-9a-f]{64}\/json$/.test(path);

const container = (name: string) => testbed.container(name, { annotations: ZRAM });

/** A pass has brought the container to its devices (and holds its process open since). */
async function applied(target: TestContainer): Promise<boolean> {
  const status = await testbed.daemon.status();
  return status.containers.some(({ id, access }) => id === target.id && access !== undefined);
}

/** What the daemon holds: its child processes, and what its descriptors point to. */
function holdings() {
  const { pid } = testbed.daemon;
  const children = daemonChildren(testbed.daemon);
  const fds = readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile
    }
  });
  return { children, fds };
}

/**
 * Nothing held for a container any more (its process directory, its /dev) beyond what was held
 * before it came. A few sockets may idle in Node's HTTP agent for the Podman API: allow for those.
 */
async function released(before: ReturnType<typeof holdings>, target: TestContainer) {
  const devDirs = (fds: string[]) => fds.filter((link) => link === '/dev').length;
  await waitUntil('its descriptors to be closed', () => {
    const now = holdings();
    return (
      !now.fds.includes(`/proc/${target.pid}`) &&
      devDirs(now.fds) <= devDirs(before.fds) &&
      now.fds.length <= before.fds.length + 3
    );
  });
  expect(holdings().children).toEqual(before.children);
}

/** The container is dropped whole: not in status, not in the state file. */
async function forgotten(target: TestContainer): Promise<void> {
  expect(await testbed.daemon.manages(target)).toBe(false);
  const state = readFileSync(join(testbed.daemon.stateDir, STATE_FILE), 'utf8');
  expect(state).not.toContain(target.id);
}

async function stopAndWait(target: TestContainer): Promise<void> {
  await target.remove();
  await waitUntil(`${target.name}'s process to exit`, () => !existsSync(`/proc/${target.pid}`));
}

beforeAll(async () => {
  proxy = await PodmanDouble.listen(join(testbed.dir, 'proxy.sock'), testbed.podman.socket);
  // Closing drops every connection, and with them what it holds back.
  testbed.onTeardown(() => proxy.close());
  // No periodic re-list: nothing but what the test does tells the daemon about containers.
  await testbed.startDaemon({ podmanSocket: proxy.socket, reconcileIntervalSeconds: 600 });
  steady = await container('steady');
  await waitUntil('a pass for the steady container', () => applied(steady));
});

describe('devbinder daemon and containers that exit while it works on them', () => {
  it('a managed container exits before a pass hears of it: the pass finds it gone', async () => {
    const before = holdings();
    const victim = await container('managed');
    await waitUntil(`a pass for ${victim.name}`, () => applied(victim));
    expect(holdings().fds).toContain(`/proc/${victim.pid}`);
    const since = testbed.daemon.logs.length;

    // Its died and remove events are held back: the daemon still takes it for running.
    proxy.pauseEvents();
    await stopAndWait(victim);
    const number = await testbed.zram.add();
    const gone = await testbed.daemon.waitForLog(
      `the pass to find ${victim.name} gone`,
      ({ event, container }) => event === 'container-gone' && container === victim.name,
      since,
    );
    expect(gone.why).toBe('its process or cgroup is gone');
    // The same pass went on with the other container.
    await zramConverged(steady);
    const counted = (await testbed.daemon.status()).counters.containerEvents;
    proxy.resumeEvents();
    await waitUntil(
      'the late died and remove events to arrive',
      async () => (await testbed.daemon.status()).counters.containerEvents >= counted + 2,
    );
    await forgotten(victim);
    await testbed.zram.remove(number);
    await zramConverged(steady);
    expect(testbed.daemon.logsSince(since, 'container-gone')).toHaveLength(1);
    const logged = testbed.daemon.logs.slice(since);
    expect(logged.filter(({ level }) => level === 'error')).toEqual([]);
    await released(before, victim);
  });

  it('a container exits after Podman described it, before the first pass for it', async () => {
    const before = holdings();
    const since = testbed.daemon.logs.length;
    // Podman's description of the container (pid included) is held until it has exited.
    proxy.hold(isInspect);
    const victim = await container('described');
    await proxy.waitForHeld((path) => path.includes(victim.id));
    await stopAndWait(victim);
    proxy.release();

    const gone = await testbed.daemon.waitForLog(
      `the pass to find ${victim.name} gone`,
      ({ event, container }) => event === 'container-gone' && container === victim.name,
      since,
    );
    expect(gone.why).toBe('its process or cgroup is gone');
    const logged = testbed.daemon.logs.slice(since);
    // The daemon took it on with the pid Podman gave, and found that process gone.
    expect(logged.find(({ event }) => event === 'container-managed')).toMatchObject({
      container: victim.name,
      pid: victim.pid,
    });
    await forgotten(victim);
    expect(logged.filter(({ level }) => level === 'error')).toEqual([]);

    // Still healthy: the next device reaches the other container.
    const number = await testbed.zram.add();
    await zramConverged(steady);
    await testbed.zram.remove(number);
    await zramConverged(steady);
    await released(before, victim);
  });
});
