import { beforeAll, describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';
import { waitFor } from '../src/wait.js';

// The daemon is killed (SIGKILL: no cleanup), devices come and go and a container starts while it
// is down; started again, it reconciles every container with what udev says now, and keeps
// following events. On cgroup v2 the daemon grants nothing yet (see hotplug.lab.ts).
const lab = useLabHost({});
const SEAT = { 'io.dev-binder.udev.seat': 'seat-hot' };
const HOT = { kind: 'zram', seat: 'seat-hot' } as const;

let running: string;
let grants: boolean;
const managed = async (id: string) =>
  (await lab().daemonStatus()).containers.some((container) => container.id === id);

beforeAll(async () => {
  grants = !(await lab().cgroupV2());
  await lab().startDaemon();
  running = await lab().startContainer(SEAT);
  await waitFor('the daemon to manage the container', () => managed(running));
  await lab().addDevices({ first: HOT });
  await lab().waitForAccess(running, 'first', grants ? 'granted' : 'denied');
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
    await lab().waitForAccess(running, 'second', grants ? 'granted' : 'denied');
    await lab().waitForAccess(running, first, 'denied');
  });

  it('keeps following uevents after the restart, for the old container and the new', async () => {
    await lab().addDevices({ third: HOT });
    for (const id of [running, late]) {
      await lab().waitForAccess(id, 'third', grants ? 'granted' : 'denied');
    }
  });
});
