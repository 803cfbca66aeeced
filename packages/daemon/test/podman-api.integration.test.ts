import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  daemonChildren,
  type RunningDaemon,
  spawnDaemon,
  startDaemon,
  waitUntil,
  workDir,
} from './support/lab.js';
import { containerEvent, PodmanDouble } from './support/podman-double.js';

/*
 * The daemon as it ships (the built CLI, real udevadm) against a stand-in for Podman's API that
 * fails the ways a real service does, counted from the server's side: it closes every connection,
 * it goes away (no socket), it does not answer. And a stop that comes while the daemon starts.
 */

const ID = 'a3c9f5e4d2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5';
/** The unit's TimeoutStopSec is 15 s: a stop during start must end well within it. */
const STOP_BOUND_MS = 8000;

let work: Awaited<ReturnType<typeof workDir>>;
let double: PodmanDouble;

const daemonOptions = (extra: { env?: NodeJS.ProcessEnv } = {}) => ({
  dir: work.path,
  podmanSocket: double.socket,
  // No periodic re-list during the test: every call to the API comes from what is tested.
  reconcileIntervalSeconds: 600,
  ...extra,
});

beforeAll(async () => {
  work = await workDir('daemon-podman-api');
  double = await PodmanDouble.listen(join(work.path, 'podman.sock'));
});

afterAll(async () => {
  await double?.close();
  await work?.remove();
});

/**
 * SIGTERM ends the daemon promptly and cleanly: exit 0 well within the unit's stop timeout, its
 * stop logged, no error logged, its control socket removed.
 */
async function expectPromptCleanStop(daemon: RunningDaemon): Promise<void> {
  const started = performance.now();
  expect(await daemon.stop('SIGTERM')).toBe(0);
  expect(performance.now() - started).toBeLessThan(STOP_BOUND_MS);
  expect(daemon.logs.map(({ event }) => event)).toEqual(
    expect.arrayContaining(['stopping', 'stopped']),
  );
  expect(daemon.logs.filter(({ level }) => level === 'error')).toEqual([]);
  expect(existsSync(daemon.socket)).toBe(false);
}

describe('devbinder daemon when Podman’s API fails', () => {
  it('keeps one retry loop and one events stream, and handles each event once after', async () => {
    const daemon = await startDaemon(daemonOptions());
    try {
      expect(double.openEventStreams).toBe(1);

      // The service closes every connection for 6 s: retries after 0.5, 1, 2 s (then 5 s).
      double.mode = 'hang-up';
      const since = daemon.logs.length;
      const before = double.connections;
      double.dropConnections();
      await sleep(6000);
      const attempts = double.connections - before;
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(5);
      // Then it is gone, socket and all, for 4 s: at most one more attempt (5 s apart by now).
      await double.close();
      await sleep(4000);
      expect(daemon.logsSince(since, 'podman-events-gap')).toHaveLength(1);
      // Logged when it began; again only after a minute.
      expect(daemon.logsSince(since, 'podman-unreachable')).toEqual([
        expect.objectContaining({ attempts: 1 }),
      ]);
      expect((await daemon.status()).podmanEvents).toBe('reconnecting');

      double.mode = 'answer';
      const opened = double.eventStreamsOpened;
      await double.open();
      const resumed = await daemon.waitForLog(
        'the events stream to be followed again',
        ({ event }) => event === 'podman-events-resumed',
        since,
      );
      expect(resumed.attempts).toBeGreaterThanOrEqual(attempts);
      // Longer than the longest retry delay: any other loop would have opened a stream by now.
      await sleep(6000);
      expect(double.eventStreamsOpened - opened).toBe(1);
      expect(double.openEventStreams).toBe(1);
      expect(daemon.logsSince(since, 'podman-events-resumed')).toHaveLength(1);
      expect((await daemon.status()).podmanEvents).toBe('following');

      const counted = (await daemon.status()).counters.containerEvents;
      const inspect = `/v4.0.0/libpod/containers/${ID}/json`;
      double.emit(containerEvent('start', ID, 'devbinder-double'));
      await waitUntil('the start event', async () =>
        double.requests.includes(inspect) ? true : undefined,
      );
      await sleep(500);
      expect((await daemon.status()).counters.containerEvents - counted).toBe(1);
      expect(double.requests.filter((path) => path === inspect)).toHaveLength(1);
    } finally {
      double.mode = 'answer';
      expect(await daemon.stop('SIGTERM')).toBe(0);
    }
    expect(double.openEventStreams).toBe(0);
  });
});

describe('devbinder daemon stopped while it starts', () => {
  it('ends at once while Podman does not answer', async () => {
    double.mode = 'silent';
    try {
      const daemon = spawnDaemon(daemonOptions());
      await waitUntil('the daemon to ask Podman', () => double.pendingRequests === 1);
      await expectPromptCleanStop(daemon);
      await waitUntil('its request to be given up', () => double.pendingRequests === 0);
    } finally {
      double.mode = 'answer';
    }
  });

  it('ends at once while udevadm monitor does not listen, and stops it', async () => {
    const bin = join(work.path, 'bin');
    await mkdir(bin, { recursive: true });
    const pidFile = join(bin, 'udevadm.pid');
    // A monitor that never prints that it listens.
    await writeFile(join(bin, 'udevadm'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 1000\n`);
    await chmod(join(bin, 'udevadm'), 0o755);
    const daemon = spawnDaemon(
      daemonOptions({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } }),
    );
    const monitor = await waitUntil('the monitor to start', () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
    );
    await expectPromptCleanStop(daemon);
    await waitUntil('the monitor to be gone', () => !existsSync(`/proc/${monitor}`), 5000);
  });

  it('ends at once while its first pass waits for Podman, with no failure logged', async () => {
    double.hold((path) => /\/containers\/json(\?|$)/.test(path));
    try {
      const daemon = spawnDaemon(daemonOptions());
      await double.waitForHeld((path) => /\/containers\/json(\?|$)/.test(path));
      const children = daemonChildren(daemon);
      await expectPromptCleanStop(daemon);
      expect(daemon.logs.map(({ event }) => event)).not.toContain('ready');
      expect(daemon.logs.filter(({ level }) => level !== 'info')).toEqual([]);
      await waitUntil('its children (udevadm monitor, the node shell) to be gone', () =>
        children.every((pid) => !existsSync(`/proc/${pid}`)),
      );
    } finally {
      double.release();
    }
  });
});
