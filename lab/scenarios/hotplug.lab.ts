import { beforeAll, describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';
import { waitFor } from '../src/wait.js';

// The daemon keeps running containers in step with udev: a zram device hot-added (a real kernel
// uevent) reaches a running container that asks for its seat, and leaves it on hot_remove. A
// container without devbinder annotations and one with io.dev-binder.hotplug=false are untouched.
// The container does not pre-authorize the zram major, so what it gets depends on the cgroups
// (packages/daemon/README.md): on v1 the daemon grants the device with devices.allow; on v2
// (GitHub's runners) access was fixed at creation, so the daemon makes no node and says in its
// status which io.dev-binder.hotplug.majors item would let the device in (preauthorized.lab.ts
// has the container that lists it).
const lab = useLabHost({});
const SEAT = { 'io.dev-binder.udev.seat': 'seat-hot' };
const HOT = { kind: 'zram', seat: 'seat-hot' } as const;

let annotated: string;
let optedOut: string;
let plain: string;

beforeAll(async () => {
  await lab().startDaemon();
  annotated = await lab().startContainer(SEAT);
  optedOut = await lab().startContainer({ ...SEAT, 'io.dev-binder.hotplug': 'false' });
  plain = await lab().startContainer({});
  await waitFor('the daemon to manage the annotated container', async () =>
    (await lab().daemonStatus()).containers.some(({ id }) => id === annotated),
  );
});

describe('hot-plug add and remove', () => {
  it('gives a running container a device hot-added on its seat: usable on v1, withheld and reported on v2', async () => {
    await lab().addDevices({ hot: HOT });
    const outcome = await lab().waitForHotPlugged(annotated, 'hot');
    const managed = (await lab().daemonStatus()).containers.find(({ id }) => id === annotated);
    expect(managed?.access).toBe(outcome === 'granted' ? 'v1-rules' : 'creation-rules');
  });

  it('leaves containers without the annotation, or opted out of hot-plug, untouched', async () => {
    for (const id of [optedOut, plain]) {
      expect((await lab().probe(id)).access).toEqual({ hot: 'denied' });
    }
    const managed = (await lab().daemonStatus()).containers.map(({ id }) => id);
    expect(managed).toEqual([annotated]);
  });

  it('takes a hot-removed device back: no node, and the device cgroup denies it again', async () => {
    const hot = lab().device('hot');
    await lab().removeDevice('hot');
    await lab().waitForAccess(annotated, hot, 'denied');
  });
});
