import { beforeAll, describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';
import { waitFor } from '../src/wait.js';

// The daemon keeps running containers in step with udev: a zram device hot-added (a real kernel
// uevent) reaches a running container that asks for its seat, and leaves it on hot_remove. A
// container without devbinder annotations and one with io.dev-binder.hotplug=false are untouched.
// On cgroup v2 the daemon cannot grant access yet (packages/daemon: v1 devices cgroup only) and
// says so; there the scenario checks that it says so and grants nothing.
const lab = useLabHost({});
const SEAT = { 'io.dev-binder.udev.seat': 'seat-hot' };
const HOT = { kind: 'zram', seat: 'seat-hot' } as const;

let annotated: string;
let optedOut: string;
let plain: string;
let grants: boolean;

beforeAll(async () => {
  grants = !(await lab().cgroupV2());
  await lab().startDaemon();
  annotated = await lab().startContainer(SEAT);
  optedOut = await lab().startContainer({ ...SEAT, 'io.dev-binder.hotplug': 'false' });
  plain = await lab().startContainer({});
  await waitFor('the daemon to manage the annotated container', async () =>
    (await lab().daemonStatus()).containers.some(({ id }) => id === annotated),
  );
});

describe('hot-plug add and remove', () => {
  it('gives a running container a device hot-added on its seat, usable', async () => {
    await lab().addDevices({ hot: HOT });
    await lab().waitForAccess(annotated, 'hot', grants ? 'granted' : 'denied');
    if (!grants) {
      const status = await lab().daemonStatus();
      const managed = status.containers.find(({ id }) => id === annotated);
      expect(managed?.problems.join('\n')).toContain('cgroup v2');
    }
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
