import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../test-support/exec.js';
import { DEVBINDER, hostZram, installHook, runHook, zramView } from './support/lab.js';
import { expectDeclinedAndAnsweredAlone, useDaemonTestbed } from './support/testbed.js';

/*
 * The hook asks the daemon first and does the work itself when the daemon cannot answer: the
 * output must be the same either way, byte for byte, for every kind of input.
 */

const testbed = useDaemonTestbed('daemon-hook');
let zram: number;

/** A runtime config as Podman writes one; a uint64 rlimit (--ulimit core=-1) must survive as is. */
const config = (annotations: Record<string, string>) =>
  JSON.stringify({
    ociVersion: '1.0.2',
    process: { args: ['sh'], rlimits: [{ type: 'RLIMIT_CORE', hard: 1, soft: 0 }] },
    annotations,
    linux: {
      namespaces: [{ type: 'mount' }],
      resources: { devices: [{ allow: false, access: 'rwm' }] },
    },
  }).replace('"hard":1', '"hard":18446744073709551615');

/** Inputs of every kind: no request, selections, symlinks, refusals, problems, bad input. */
const INPUTS: Record<string, string> = {
  'no devbinder annotation': config({ 'org.example': 'x' }),
  'zram by subsystem': config({ 'io.dev-binder.udev.subsystem': 'block:zram*' }),
  'zram with symlinks': config({
    'io.dev-binder.udev.subsystem': 'block:zram*',
    'io.dev-binder.symlinks': 'true',
  }),
  'zram pre-authorized by major': config({
    'io.dev-binder.udev.subsystem': 'block:zram*',
    'io.dev-binder.hotplug.majors': 'b:253;c:188',
  }),
  'malformed majors': config({
    'io.dev-binder.udev.subsystem': 'block:zram*',
    'io.dev-binder.hotplug.majors': 'b:253,zram',
  }),
  'two labelled selections': config({
    'io.dev-binder.udev.subsystem.a': 'block:zram*',
    'io.dev-binder.udev.subsystem.b': 'block:loop0',
  }),
  'required, nothing found (refusal)': config({
    'io.dev-binder.udev.subsystem': 'block:devbinder-none*',
    'io.dev-binder.policy': 'required',
  }),
  'misspelt policy (fatal)': config({
    'io.dev-binder.udev.subsystem': 'block:zram*',
    'io.dev-binder.policy': 'requried',
  }),
  'unknown selector (best-effort)': config({ 'io.dev-binder.udev.nosuch': 'x' }),
  'bad selector argument': config({ 'io.dev-binder.udev.usb': 'not-an-id' }),
  'not JSON': '{"ociVersion": ',
  'not an object': '[1, 2]',
  'bad annotation value': '{"annotations": {"io.dev-binder.udev.seat": 7}}',
};

const hook = (args: readonly string[], input: string) => runHook(testbed.dir, args, input);

beforeAll(async () => {
  zram = await testbed.zram.add({ size: '1M' });
  await testbed.startDaemon();
});

describe('devbinder hook with the daemon', () => {
  it('gives the same answer with and without the daemon, byte for byte', async () => {
    const before = (await testbed.daemon.status()).counters;
    for (const [name, input] of Object.entries(INPUTS)) {
      const viaDaemon = await hook(['--daemon-socket', testbed.daemon.socket], input);
      const alone = await hook(['--no-daemon'], input);
      expect({ name, ...viaDaemon }).toEqual({ name, ...alone });
    }
    const after = (await testbed.daemon.status()).counters;
    // The daemon answered every one of them (none fell back).
    expect(after.hookAnswers - before.hookAnswers).toBe(Object.keys(INPUTS).length);
    expect(after.hookDeclined).toBe(before.hookDeclined);
  });

  it('answers with the devices the host has now', async () => {
    const answer = await hook(
      ['--daemon-socket', testbed.daemon.socket],
      INPUTS['zram by subsystem'] ?? '',
    );
    const devices = JSON.parse(answer.stdout).linux.devices.map(
      ({ path }: { path: string }) => path,
    );
    expect(devices).toEqual(hostZram().map((number) => `/dev/zram${number}`));
    expect(devices).toContain(`/dev/zram${zram}`);
  });

  it('declines a hook that loads plugins from elsewhere; the hook then answers itself', async () => {
    const plugins = join(testbed.dir, 'plugins');
    await mkdir(plugins);
    const alone = await expectDeclinedAndAnsweredAlone(
      testbed,
      ['--plugin-dir', plugins],
      INPUTS['zram by subsystem'] ?? '',
    );
    expect(alone.exitCode).toBe(0);
  });

  it('declines a hook that reads other plugin limits; the hook then answers itself', async () => {
    const limits = join(testbed.dir, 'limits.json');
    await writeFile(limits, JSON.stringify({ limits: { memoryMiB: 128 } }));
    const alone = await expectDeclinedAndAnsweredAlone(
      testbed,
      ['--config', limits],
      INPUTS['zram by subsystem'] ?? '',
    );
    expect(alone.exitCode).toBe(0);
  });

  it('refuses to start on a socket no hook would trust (a directory others may write)', async () => {
    const shared = join(testbed.dir, 'shared');
    await mkdir(shared, { mode: 0o777 });
    await chmod(shared, 0o777);
    const result = await run(process.execPath, [
      DEVBINDER,
      'daemon',
      '--podman-socket',
      testbed.podman.socket,
      '--socket',
      join(shared, 'daemon.sock'),
      '--state-dir',
      join(testbed.dir, 'state-shared'),
      '--log-format',
      'json',
    ]);
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stderr.trim().split('\n').at(-1) ?? '')).toMatchObject({
      event: 'start-failed',
      message: `hooks would not trust the control socket: ${shared} is not a directory only root can write`,
    });
  });

  it('runs under Podman: the container gets its devices at creation from the daemon', async () => {
    const hooksDir = await installHook(testbed.dir, testbed.daemon.socket);
    const before = (await testbed.daemon.status()).counters.hookAnswers;
    const container = await testbed.container('created', {
      annotations: { 'io.dev-binder.udev.subsystem': 'block:zram*' },
      hooksDir,
    });
    expect((await testbed.daemon.status()).counters.hookAnswers).toBe(before + 1);
    const view = await zramView(container);
    expect(view.nodes).toContain(zram);
    expect(view.rules).toContain(zram);
  });
});
