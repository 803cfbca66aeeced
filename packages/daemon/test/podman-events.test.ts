import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ContainerEvent, PodmanClient } from '../src/podman.js';
import { PodmanEvents } from '../src/podman-events.js';
import { waitUntil } from './support/lab.js';
import { containerEvent, PodmanDouble } from './support/podman-double.js';

/*
 * Following Podman's events against a stand-in API on a unix socket that fails in the ways a real
 * service does: it closes every connection, it is gone (no socket), it does not answer. Counted
 * from the server's side: however it fails, there is one retry loop, paced by the backoff, and at
 * most one events stream.
 */

const ID = 'd201d4aa7f955585fa5c3fd6d12900a33c9348d4035f49353cc796bfbcdb9d5f';
/** Short delays keep the test quick; what matters is that attempts follow them. */
const DELAYS = [100, 200, 400];

let dir: string;
let double: PodmanDouble;
let follower: PodmanEvents | undefined;

function follow() {
  const seen = {
    events: [] as ContainerEvent[],
    gaps: [] as string[],
    failed: [] as string[],
    resumed: 0,
  };
  follower = new PodmanEvents(
    new PodmanClient(double.socket),
    {
      onEvent: (event) => seen.events.push(event),
      onMalformed: (message) => {
        throw new Error(`malformed: ${message}`);
      },
      onGap: (reason) => seen.gaps.push(reason),
      onAttemptFailed: (message) => seen.failed.push(message),
      onResumed: () => seen.resumed++,
    },
    DELAYS,
  );
  return { follower, seen };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devbinder-podman-events-'));
  double = await PodmanDouble.listen(join(dir, 'podman.sock'));
});

afterEach(async () => {
  follower?.stop();
  follower = undefined;
  await double.close();
  await rm(dir, { recursive: true, force: true });
});

describe('PodmanClient.followEvents', () => {
  it('rejects when it cannot connect, and reports no end of a stream that never was', async () => {
    const ends: string[] = [];
    const client = new PodmanClient(join(dir, 'nothing.sock'));
    await expect(
      client.followEvents({ onEvent() {}, onMalformed() {}, onEnd: (reason) => ends.push(reason) }),
    ).rejects.toThrow(/^cannot reach Podman at .*nothing\.sock: connect ENOENT/);
    double.mode = 'hang-up';
    const hungUp = new PodmanClient(double.socket);
    await expect(
      hungUp.followEvents({ onEvent() {}, onMalformed() {}, onEnd: (reason) => ends.push(reason) }),
    ).rejects.toThrow(/^cannot reach Podman at /);
    await sleep(50);
    expect(ends).toEqual([]);
  });

  it('gives up a request Podman does not answer when the caller’s signal aborts', async () => {
    const abort = new AbortController();
    const client = new PodmanClient(double.socket, abort.signal);
    double.mode = 'silent';
    const following = client.followEvents({ onEvent() {}, onMalformed() {}, onEnd() {} });
    await waitUntil('the request', () => double.pendingRequests === 1);
    abort.abort();
    await expect(following).rejects.toThrow(
      /^cannot reach Podman at .*: The operation was aborted$/,
    );
    await waitUntil('the request to be given up', () => double.pendingRequests === 0);
  });
});

describe('PodmanEvents', () => {
  it('keeps one retry loop and at most one stream while Podman fails, then follows once', async () => {
    const { follower, seen } = follow();
    await follower.start();
    expect(follower.following).toBe(true);
    expect(double.openEventStreams).toBe(1);

    // Podman closes every connection for 1.5 s: attempts at 100, 300, 700, 1100, 1500 ms.
    double.mode = 'hang-up';
    const before = double.connections;
    double.dropConnections();
    await sleep(1500);
    const attempts = double.connections - before;
    expect(seen.gaps).toHaveLength(1);
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(6);
    expect(seen.failed).toHaveLength(attempts);
    expect(follower.following).toBe(false);

    // Then it is gone altogether (no socket) for a second: the delay stays at its longest.
    await double.close();
    const failedBefore = seen.failed.length;
    await sleep(1000);
    expect(seen.failed.length - failedBefore).toBeLessThanOrEqual(3);

    double.mode = 'answer';
    const opened = double.eventStreamsOpened;
    await double.open();
    await waitUntil('the stream to be followed again', () => follower.following);
    // Longer than any retry delay: a second loop, had one started, would have opened more.
    await sleep(1000);
    expect(double.eventStreamsOpened - opened).toBe(1);
    expect(double.openEventStreams).toBe(1);
    expect(seen.resumed).toBe(1);
    expect(seen.gaps).toHaveLength(1);

    double.emit(containerEvent('start', ID, 'web'));
    await waitUntil('the event', () => seen.events.length > 0);
    await sleep(100);
    expect(seen.events).toEqual([{ action: 'start', id: ID, name: 'web' }]);

    follower.stop();
    await waitUntil('the stream to be closed', () => double.openEventStreams === 0);
    const after = double.connections;
    await sleep(600);
    expect(double.connections).toBe(after);
    expect(seen.gaps).toHaveLength(1);
  });

  it('stop() ends the retry loop: no attempt after it', async () => {
    const { follower, seen } = follow();
    await follower.start();
    double.mode = 'hang-up';
    double.dropConnections();
    await waitUntil('a failed attempt', () => seen.failed.length > 0);
    follower.stop();
    const after = double.connections;
    await sleep(1000);
    expect(double.connections).toBe(after);
  });

  it('stop() during an attempt Podman does not answer: once that attempt ends, none follows', async () => {
    const { follower, seen } = follow();
    await follower.start();
    double.mode = 'silent';
    double.dropConnections();
    await waitUntil('a retry Podman does not answer', () => double.pendingRequests === 1);
    follower.stop();
    const after = double.connections;
    // Podman drops the attempt. A follower still running would count it failed and try again
    // after the next delay; the silent double accepts and counts that connection.
    double.dropConnections();
    await waitUntil('the attempt to be dropped', () => double.pendingRequests === 0);
    await sleep(2 * Math.max(...DELAYS));
    expect(double.connections).toBe(after);
    expect(seen.failed).toEqual([]);
    expect(follower.following).toBe(false);
  });
});
