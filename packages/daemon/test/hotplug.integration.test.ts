import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { deviceMinor } from '@devbinder/oci';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../test-support/exec.js';
import { installRules } from '../../../test-support/udev.js';
import {
  daemonChildren,
  hostZram,
  installHook,
  readInside,
  statusCommand,
  type TestContainer,
  waitUntil,
  ZRAM,
  zramConverged,
  zramView,
} from './support/lab.js';
import { useDaemonTestbed } from './support/testbed.js';

/*
 * The daemon against real Podman, real udevd and real kernel uevents: zram devices made with
 * hot_add and removed with hot_remove. Three running containers: one annotated for every zram
 * device, one without devbinder annotations, one annotated but opted out of hot-plug.
 */

const testbed = useDaemonTestbed('daemon-hotplug');
let annotated: TestContainer;
let plain: TestContainer;
let optedOut: TestContainer;

beforeAll(async () => {
  const daemon = await testbed.startDaemon({ reconcileIntervalSeconds: 2 });
  const hooksDir = await installHook(testbed.dir, daemon.socket);
  [annotated, plain, optedOut] = await Promise.all([
    testbed.container('annotated', { annotations: ZRAM, hooksDir }),
    testbed.container('plain', { hooksDir }),
    testbed.container('opted-out', {
      annotations: { ...ZRAM, 'io.dev-binder.hotplug': 'false' },
      hooksDir,
    }),
  ]);
  await waitUntil('the daemon to manage the annotated container', () => daemon.manages(annotated));
});

describe('devbinder daemon with real Podman and kernel uevents', () => {
  it('gives a running annotated container a hot-added device it can read, and takes it back on removal', async () => {
    const number = await testbed.zram.add({ size: '1M' });
    await waitUntil(`zram${number} in the annotated container`, async () => {
      const view = await zramView(annotated);
      return view.nodes.includes(number) && view.rules.includes(number);
    });
    const read = await readInside(annotated, number);
    expect(read.exitCode, read.stderr).toBe(0);
    expect(read.stderr).toContain('1+0 records in');

    await testbed.zram.remove(number);
    await waitUntil(`zram${number} gone from the annotated container`, async () => {
      const view = await zramView(annotated);
      return !view.nodes.includes(number) && !view.rules.includes(number);
    });
    const after = await readInside(annotated, number);
    expect(after.exitCode).not.toBe(0);
    expect(after.stderr).toContain('No such file or directory');
  });

  it('never touches a container without devbinder annotations, nor one that opted out', async () => {
    const number = await testbed.zram.add({ size: '1M' });
    await waitUntil(`zram${number} in the annotated container`, async () =>
      (await zramView(annotated)).nodes.includes(number),
    );
    for (const container of [plain, optedOut]) {
      const view = await zramView(container);
      expect(view.nodes).not.toContain(number);
      expect(view.rules).not.toContain(number);
      expect((await readInside(container, number)).exitCode).not.toBe(0);
    }
    const managed = (await testbed.daemon.status()).containers.map(({ name }) => name);
    expect(managed).toEqual([annotated.name]);
    const touched = testbed.daemon.logs.filter(
      ({ container }) => container === plain.name || container === optedOut.name,
    );
    expect(touched).toEqual([]);
    await testbed.zram.remove(number);
    await zramConverged(annotated);
  });

  it('ends a burst of 200 add and remove events in the right state', async () => {
    const burst: number[] = [];
    for (let i = 0; i < 110; i++) burst.push(await testbed.zram.add());
    // Every other one of the first 90 made goes again at once, then the rest of those 90.
    const leaving = burst.slice(0, 90);
    for (const number of [
      ...leaving.filter((_, i) => i % 2 === 0),
      ...leaving.filter((_, i) => i % 2 === 1),
    ]) {
      await testbed.zram.remove(number);
    }
    const view = await zramConverged(annotated, 60_000);
    expect(view.nodes).toEqual(expect.arrayContaining(burst.slice(90)));
    expect(view.nodes.filter((number) => leaving.includes(number))).toEqual([]);
    const status = await testbed.daemon.status();
    const devices = status.containers.find(({ id }) => id === annotated.id)?.devices ?? [];
    expect(devices.map(({ path }) => path).sort()).toEqual(
      hostZram()
        .map((number) => `/dev/zram${number}`)
        .sort(),
    );
    for (const container of [plain, optedOut]) {
      expect((await zramView(container)).nodes.filter((n) => burst.includes(n))).toEqual([]);
    }
    for (const number of burst.slice(90)) await testbed.zram.remove(number);
    await zramConverged(annotated);
  });

  it('repairs drift: a node deleted and access revoked behind its back come back', async () => {
    const number = await testbed.zram.add({ size: '1M' });
    await waitUntil(`zram${number} in the annotated container`, async () =>
      (await zramView(annotated)).nodes.includes(number),
    );
    const since = testbed.daemon.logs.length;
    rmSync(`/proc/${annotated.pid}/root/dev/zram${number}`);
    const cgroupLine = readFileSync(`/proc/${annotated.pid}/cgroup`, 'utf8')
      .split('\n')
      .find((line) => line.includes(':devices:'));
    const cgroup = `/sys/fs/cgroup/devices${cgroupLine?.split(':')[2]}`;
    writeFileSync(`${cgroup}/devices.deny`, `b 253:${number} rwm`);
    expect((await zramView(annotated)).rules).not.toContain(number);

    const repaired = await testbed.daemon.waitForLog(
      'the periodic reconciliation to repair the container',
      (record) =>
        record.event === 'devices-changed' &&
        record.container === annotated.name &&
        JSON.stringify(record.actions).includes(`zram${number}`),
      since,
    );
    // (Other zram devices may come and go meanwhile: only this one's repair is asserted.)
    expect(repaired.actions).toEqual(
      expect.arrayContaining([`allow b 253:${number} rwm`, `create /dev/zram${number}`]),
    );
    // The periodic reconciliation finds it, unless a udev event (another user of zram on this
    // machine) starts a pass first: every pass compares what the container has.
    expect(
      (repaired.reasons as string[]).every(
        (reason) => reason === 'periodic reconciliation' || reason.startsWith('udev '),
      ),
    ).toBe(true);
    expect((await readInside(annotated, number)).exitCode).toBe(0);
    await testbed.zram.remove(number);
    await zramConverged(annotated);
  });

  it('recovers from a gap in udev events: the monitor restarts and the database is read again', async () => {
    const monitor = daemonChildren(testbed.daemon).find((child) =>
      readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('udevadm'),
    );
    expect(monitor).toBeDefined();
    const since = testbed.daemon.logs.length;
    process.kill(monitor as number, 'SIGKILL');
    // Made while no monitor listens: no event of it reaches the daemon.
    const number = await testbed.zram.add();
    await testbed.daemon.waitForLog('the gap', ({ event }) => event === 'udev-monitor-gap', since);
    await waitUntil(`zram${number} in the annotated container after the gap`, async () =>
      (await zramView(annotated)).nodes.includes(number),
    );
    await testbed.zram.remove(number);
    await zramConverged(annotated);
  });

  it('gives udev symlinks as nodes on request, making and keeping their directories', async () => {
    const rules = await installRules(
      '99-devbinder-daemon-test.rules',
      'SUBSYSTEM=="block", KERNEL=="zram*", SYMLINK+="devbinder-test/by-name/%k-link"\n',
      [],
    );
    const linked = await testbed.container('symlinks', {
      annotations: { ...ZRAM, 'io.dev-binder.symlinks': 'true' },
    });
    try {
      const number = await testbed.zram.add({ size: '1M' });
      const link = `devbinder-test/by-name/zram${number}-link`;
      const at = `/proc/${linked.pid}/root/dev/${link}`;
      await waitUntil(`/dev/${link} in ${linked.name}`, async () => {
        const info = await lstat(at).catch(() => undefined);
        return info?.isBlockDevice() && deviceMinor(info.rdev) === number;
      });
      const read = await run('podman', [
        'exec',
        linked.id,
        'dd',
        `if=/dev/${link}`,
        'of=/dev/null',
        'bs=4096',
        'count=1',
      ]);
      expect(read.exitCode, read.stderr).toBe(0);
      await testbed.zram.remove(number);
      await waitUntil(`/dev/${link} gone from ${linked.name}`, async () => {
        const gone = (await lstat(at).catch(() => undefined)) === undefined;
        return gone && !(await zramView(linked)).nodes.includes(number);
      });
      // The directories stay, empty: they may be the container's own by now.
      expect(
        (await lstat(`/proc/${linked.pid}/root/dev/devbinder-test/by-name`)).isDirectory(),
      ).toBe(true);
    } finally {
      await linked.remove();
      await rules.remove();
    }
  });

  it('reports managed containers, their devices and the last events', async () => {
    const number = await testbed.zram.add();
    await waitUntil(`zram${number} in the annotated container`, async () =>
      (await zramView(annotated)).nodes.includes(number),
    );
    const text = await statusCommand(testbed.daemon);
    expect(text).toContain(annotated.name);
    expect(text).toContain(`/dev/zram${number} (b 253:${number})`);
    expect(text).toContain(`udev add /devices/virtual/block/zram${number}`);
    const json = JSON.parse(await statusCommand(testbed.daemon, '--json'));
    expect(json).toMatchObject({
      pid: testbed.daemon.pid,
      controlSocket: testbed.daemon.socket,
      podmanEvents: 'following',
      udev: { monitor: 'listening', source: 'udev' },
      containers: [{ id: annotated.id, name: annotated.name, pid: annotated.pid }],
    });
    expect(json.containers[0].devices).toContainEqual({
      path: `/dev/zram${number}`,
      type: 'b',
      major: 253,
      minor: number,
    });
    await testbed.zram.remove(number);
    await zramConverged(annotated);
  });
});
