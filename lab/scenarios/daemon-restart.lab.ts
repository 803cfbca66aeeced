import { beforeAll, describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';
import { waitFor } from '../src/wait.js';

// The daemon is killed (SIGKILL: no cleanup), devices come and go and a container starts while it
// is down; started again, it reconciles every container with what udev says now, and keeps
// following events. The containers do not pre-authorize the zram major: on cgroup v2 the daemon
// withholds each device that comes and reports it, as in hotplug.lab.ts (waitForHotPlugged).
const lab = useLabHost({});
const SEAT = { 'io.dev-binder.udev.seat': 'seat-hot' };
const HOT = { kind: 'zram', seat: 'seat-hot' } as const;

let running: string;
const managed = async (id: string) =>
  (await lab().daemonStatus()).containers.some((container) => container.id === id);

beforeAll(async () => {
  await lab().startDaemon();
  running = await lab().startContainer(SEAT);
  await waitFor('the daemon to manage the container', () => managed(running));
  await lab().addDevices({ first: HOT });
  await lab().waitForHotPlugged(running, 'first');
});

describe('daemon restart and reconcile', () => {
  let late: string;

  it('misses nothing it was down for: a device removed, one added, a container started', async () => {
    await lab().stopDaemon('SIGKILL');
    // Added before the removal, so the kernel cannot hand `second` the number `first` had: that
    // node and rule, stale in the container while no daemon runs, would let it in.
    await lab().addDevices({ second: HOT });
    const first = lab().device('first');
    await lab().removeDevice('first');
    // Without the daemon the hook answers alone: the new container gets what is there now.
    late = await lab().startContainer(SEAT);
    expect((await lab().probe(late)).access).toEqual({ second: 'granted' });
    expect((await lab().probe(running)).access).toEqual({ second: 'denied' });

    await lab().startDaemon();
    await waitFor(
      'the restarted daemon to manage both containers',
      async () => (await managed(running)) && managed(late),
    );
    await lab().waitForHotPlugged(running, 'second');
    await lab().waitForAccess(running, first, 'denied');
    // What the hook gave `late` at creation stays: the daemon takes back only what is gone.
    expect((await lab().probe(late)).access).toEqual({ second: 'granted' });
  });

  it('keeps following uevents after the restart, for the old container and the new', async () => {
    await lab().addDevices({ third: HOT });
    for (const id of [running, late]) await lab().waitForHotPlugged(id, 'third');
  });
});
