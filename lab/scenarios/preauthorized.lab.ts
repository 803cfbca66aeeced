import { beforeAll, describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';
import { nodeLine } from '../src/probe.js';
import { waitFor } from '../src/wait.js';

// Hot-plug where a container's device access is fixed when it is created: how every container on
// a cgroup v2 host works (GitHub's runners), and what --cgroup-access=preauthorized-only gives on
// v1 (the CI machine), so the same path runs on both. The container opts in by major with
// io.dev-binder.hotplug.majors=b:253: the hook allows every zram device at creation, and the
// daemon only makes and removes nodes, writing no cgroup rule. A device of another major that
// comes for the container (a loop device given its seat) gets no node, and the daemon says why.
const lab = useLabHost({});
const ANNOTATIONS = {
  'io.dev-binder.udev.subsystem': 'block:zram*',
  'io.dev-binder.udev.seat': 'seat-pre',
  'io.dev-binder.hotplug.majors': 'b:253',
};

let id: string;
/** The hot-added zram device's node, kept once the device is gone. */
let hotNode: string;
const managed = async () =>
  (await lab().daemonStatus()).containers.find((container) => container.id === id);

beforeAll(async () => {
  await lab().startDaemon({ cgroupAccess: 'preauthorized-only' });
  id = await lab().startContainer(ANNOTATIONS);
  // `access` is known once a pass has met the container.
  await waitFor('the daemon to manage the container', async () => (await managed())?.access);
});

describe('hot-plug by pre-authorized major (access fixed at creation)', () => {
  it('handles the container by the rules it was created with', async () => {
    expect((await lab().daemonStatus()).cgroupAccess).toBe('preauthorized-only');
    expect((await managed())?.access).toBe('creation-rules');
  });

  it('gives it a zram device hot-added later: the daemon makes the node, the device opens', async () => {
    await lab().addDevices({ hot: { kind: 'zram' } });
    await lab().waitForAccess(id, 'hot', 'granted');
  });

  it('withholds a device of a major it did not pre-authorize: no node, denied, said by daemon status', async () => {
    await lab().addDevices({ disk: { seat: 'seat-pre' } });
    const withheld = await lab().waitForWithheld(id, 'disk');
    expect(await lab().sh('devbinder daemon status', 'devbinder daemon status')).toContain(
      withheld,
    );
  });

  it('takes the node of a hot-removed zram device away; the major stays allowed', async () => {
    const hot = lab().device('hot');
    hotNode = hot.devnode;
    await lab().removeDevice('hot');
    await waitFor(`the node of ${hot.name} to go`, async () => {
      const { nodes } = await lab().probe(id, { devices: [hot] });
      return !nodes.includes(nodeLine({ ...hot, path: hot.devnode }));
    });
    // The price of pre-authorizing a major: a node the container makes itself for those numbers
    // passes the device cgroup, and fails only because the kernel has no such device any more.
    const { access } = await lab().probe(id, { devices: [hot] });
    expect(access[hot.name]).toMatch(
      /^absent, and a node made with mknod fails otherwise: .*No such device or address$/,
    );
  });

  it('wrote no cgroup rule: making and removing nodes was all it did', async () => {
    const actions = (await lab().daemonLog())
      .filter(({ event }) => event === 'devices-changed')
      .flatMap((record) => record.actions as string[]);
    expect(actions).toEqual(expect.arrayContaining([`create ${hotNode}`, `remove ${hotNode}`]));
    expect(actions.filter((action) => /^(allow|deny) /.test(action))).toEqual([]);
  });
});
