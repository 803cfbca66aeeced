import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../../test-support/exec.js';
import { attachLoop, detachLoop, type LoopDevice } from '../../../test-support/udev.js';
import {
  devicesList,
  installHook,
  type LogRecord,
  readInside,
  readNode,
  statusCommand,
  type TestContainer,
  waitUntil,
  ZRAM,
  zramView,
} from './support/lab.js';
import { useDaemonTestbed } from './support/testbed.js';

/*
 * Hot-plug by pre-authorized majors, against real Podman (runc, cgroupfs), udevd and kernel
 * uevents. The hook turns io.dev-binder.hotplug.majors=b:253 into a `b 253:* rwm` creation rule;
 * the daemon with --cgroup-access=preauthorized-only then only makes and removes nodes, which is
 * what it does for every container on a cgroup v2 host (this machine is v1: there the creation
 * rule is visible in devices.list, and any write of the daemon's would be too).
 */

const ZRAM_MAJOR = { 'io.dev-binder.hotplug.majors': 'b:253' };

const testbed = useDaemonTestbed('daemon-preauthorized');
/** Annotated for every zram device, and pre-authorized for the zram major. */
let preauthorized: TestContainer;
/** Annotated for every zram device, without the major. */
let unauthorized: TestContainer;
/** Pre-authorized for the zram major, selecting nothing, allowed to make nodes (CAP_MKNOD). */
let nodeMaker: TestContainer;
/**
 * Every cgroup rule write the daemon reported (`allow …`, `deny …`), for one container or all.
 * (zram devices other work on this machine makes come and go too: assertions about writes that
 * should happen name the device.)
 */
function ruleWrites(logs: readonly LogRecord[], container?: TestContainer): string[] {
  return logs
    .filter(({ event }) => event === 'devices-changed')
    .filter((record) => container === undefined || record.container === container.name)
    .flatMap((record) => record.actions as string[])
    .filter((action) => /^(allow|deny) /.test(action));
}

beforeAll(async () => {
  const daemon = await testbed.startDaemon({
    reconcileIntervalSeconds: 2,
    cgroupAccess: 'preauthorized-only',
  });
  const hooksDir = await installHook(testbed.dir, daemon.socket);
  [preauthorized, unauthorized, nodeMaker] = await Promise.all([
    testbed.container('preauthorized', { annotations: { ...ZRAM, ...ZRAM_MAJOR }, hooksDir }),
    testbed.container('unauthorized', { annotations: ZRAM, hooksDir }),
    testbed.container('node-maker', {
      annotations: { 'io.dev-binder.udev.subsystem': 'block:devbinder-none*', ...ZRAM_MAJOR },
      hooksDir,
      podmanArgs: ['--cap-add', 'MKNOD'],
    }),
  ]);
  await waitUntil('the daemon to manage the containers', async () => {
    const managed = (await daemon.status()).containers.map(({ id }) => id);
    return [preauthorized, unauthorized, nodeMaker].every(({ id }) => managed.includes(id));
  });
});

describe('hot-plug by pre-authorized majors (real Podman, runc, kernel uevents)', () => {
  it('the hook allows the whole zram major at creation, and no zram device one by one', async () => {
    expect((await devicesList(preauthorized)).split('\n')).toContain('b 253:* rwm');
    expect((await zramView(preauthorized)).rules).toEqual([]);
    expect((await devicesList(unauthorized)).split('\n')).not.toContain('b 253:* rwm');
  });

  it('nodes only: a zram device hot-added later gets its node and can be read, with no cgroup write', async () => {
    const number = await testbed.zram.add({ size: '1M' });
    await waitUntil(`zram${number} in ${preauthorized.name}`, async () =>
      (await zramView(preauthorized)).nodes.includes(number),
    );
    const read = await readInside(preauthorized, number);
    expect(read.exitCode, read.stderr).toBe(0);
    expect(read.stderr).toContain('1+0 records in');
    // The kernel's list gained no `b 253:N` entry: the creation rule alone grants the device.
    expect((await zramView(preauthorized)).rules).toEqual([]);
    const status = await testbed.daemon.status();
    expect(status.cgroupAccess).toBe('preauthorized-only');
    expect(status.containers.find(({ id }) => id === preauthorized.id)).toMatchObject({
      access: 'creation-rules',
      devices: expect.arrayContaining([
        { path: `/dev/zram${number}`, type: 'b', major: 253, minor: number },
      ]),
    });

    await testbed.zram.remove(number);
    await waitUntil(`zram${number} gone from ${preauthorized.name}`, async () => {
      return !(await zramView(preauthorized)).nodes.includes(number);
    });
    expect(ruleWrites(testbed.daemon.logs)).toEqual([]);
  });

  it('without the annotation the container does not get the device, and the daemon says why', async () => {
    const since = testbed.daemon.logs.length;
    const number = await testbed.zram.add({ size: '1M' });
    const device = `/dev/zram${number} (b 253:${number})`;
    const reason =
      'not pre-authorized: add b:253 to io.dev-binder.hotplug.majors (applies when the container is created)';
    const logged = await testbed.daemon.waitForLog(
      `zram${number} withheld from ${unauthorized.name}`,
      (record) =>
        record.event === 'device-not-preauthorized' &&
        record.container === unauthorized.name &&
        record.device === device,
      since,
    );
    expect(logged).toMatchObject({ level: 'warn', reason });
    // The same pass made the node in the pre-authorized container.
    expect((await zramView(preauthorized)).nodes).toContain(number);
    expect(await zramView(unauthorized)).toMatchObject({
      nodes: expect.not.arrayContaining([number]),
      rules: expect.not.arrayContaining([number]),
    });
    expect((await readInside(unauthorized, number)).exitCode).not.toBe(0);

    const status = await testbed.daemon.status();
    expect(status.containers.find(({ id }) => id === unauthorized.id)?.problems).toContain(
      `${device} ${reason}`,
    );
    const text = await statusCommand(testbed.daemon);
    expect(text).toContain(`! ${device} ${reason}`);
    expect(text).toContain('cgroup access: preauthorized-only');
    // Said once, not at every pass: wait for a periodic reconciliation to have passed.
    const passes = status.counters.passes;
    await waitUntil(
      'two more passes',
      async () => (await testbed.daemon.status()).counters.passes > passes + 1,
    );
    expect(
      testbed.daemon.logs
        .slice(since)
        .filter((record) => record.event === 'device-not-preauthorized' && record.device === device)
        .map(({ container }) => container),
    ).toEqual([unauthorized.name]);
    await testbed.zram.remove(number);
    expect(ruleWrites(testbed.daemon.logs)).toEqual([]);
  });

  it('the major rule grants that major only: a loop node made in the container stays denied, a zram node it makes opens', async () => {
    const backing = join(testbed.dir, 'loop-backing');
    await writeFile(backing, Buffer.alloc(1024 * 1024, 7));
    let loop: LoopDevice | undefined;
    try {
      loop = await attachLoop(backing);
      const zram = await testbed.zram.add({ size: '1M' });
      for (const [name, major, minor] of [
        ['test-loop', loop.major, loop.minor],
        ['test-zram', 253, zram],
      ] as const) {
        await check('podman', [
          'exec',
          nodeMaker.id,
          'mknod',
          `/dev/${name}`,
          'b',
          String(major),
          String(minor),
        ]);
      }
      const loopRead = await readNode(nodeMaker, '/dev/test-loop');
      expect(loopRead.exitCode).not.toBe(0);
      expect(loopRead.stderr).toContain('Operation not permitted');
      // The trade-off the annotation asks for: any device of the major whose node the container
      // can make opens, here one its selectors did not choose.
      const zramRead = await readNode(nodeMaker, '/dev/test-zram');
      expect(zramRead.exitCode, zramRead.stderr).toBe(0);
      expect((await devicesList(nodeMaker)).split('\n')).not.toContain(
        `b ${loop.major}:${loop.minor} rwm`,
      );
      await testbed.zram.remove(zram);
    } finally {
      if (loop) await detachLoop(loop);
    }
  });

  it('with cgroup writes on (the default), a pre-authorized major still gets no devices.allow write', async () => {
    await testbed.daemon.stop();
    const daemon = await testbed.startDaemon({ reconcileIntervalSeconds: 2 });
    const number = await testbed.zram.add({ size: '1M' });
    await waitUntil(`zram${number} in both zram containers`, async () => {
      const [withMajor, without] = await Promise.all([
        zramView(preauthorized),
        zramView(unauthorized),
      ]);
      return withMajor.nodes.includes(number) && without.rules.includes(number);
    });
    expect((await readInside(preauthorized, number)).exitCode).toBe(0);
    // The container without the major got its rule written; the pre-authorized one none.
    const rule = `b 253:${number} rwm`;
    expect((await zramView(preauthorized)).rules).toEqual([]);
    expect(ruleWrites(daemon.logs, preauthorized)).toEqual([]);
    expect(ruleWrites(daemon.logs, unauthorized).filter((write) => write.endsWith(rule))).toEqual([
      `allow ${rule}`,
    ]);
    const status = await daemon.status();
    expect(status.containers.find(({ id }) => id === preauthorized.id)?.access).toBe('v1-rules');

    await testbed.zram.remove(number);
    await waitUntil(`zram${number} gone from both`, async () => {
      const [withMajor, without] = await Promise.all([
        zramView(preauthorized),
        zramView(unauthorized),
      ]);
      return !withMajor.nodes.includes(number) && !without.rules.includes(number);
    });
    expect(ruleWrites(daemon.logs, preauthorized)).toEqual([]);
    expect(ruleWrites(daemon.logs, unauthorized).filter((write) => write.endsWith(rule))).toEqual([
      `allow ${rule}`,
      `deny ${rule}`,
    ]);
  });
});
