import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../test-support/exec.js';
import {
  DEVBINDER,
  hostZram,
  hotAdd,
  hotRemove,
  installHook,
  type PodmanService,
  type RunningDaemon,
  removeContainersNamed,
  startContainer,
  startDaemon,
  startPodmanService,
  type TestContainer,
  workDir,
  zramView,
} from './support/lab.js';

/*
 * The hook asks the daemon first and does the work itself when the daemon cannot answer: the
 * output must be the same either way, byte for byte, for every kind of input.
 */

const PREFIX = 'devbinder-daemon-hook-';
/** hooks.d runs the CommonJS build of the entry (see devbinder.ts). */
const HOOK = join(DEVBINDER, '..', 'hook.cjs');

let work: Awaited<ReturnType<typeof workDir>>;
let podman: PodmanService;
let daemon: RunningDaemon;
let zram: number;
const containers: TestContainer[] = [];

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

/** Runs the hook as hooks.d does: empty environment, the config on stdin. */
async function hook(args: readonly string[], input: string) {
  return run(
    process.execPath,
    [HOOK, 'hook', '--cache-dir', join(work.path, 'hook-cache'), ...args],
    {
      input,
    },
  );
}

beforeAll(async () => {
  work = await workDir('daemon-hook');
  await mkdir(join(work.path, 'hook-cache'), { mode: 0o700 });
  await removeContainersNamed(PREFIX);
  zram = await hotAdd({ size: '1M' });
  podman = await startPodmanService(work.path);
  daemon = await startDaemon({ dir: work.path, podmanSocket: podman.socket });
});

afterAll(async () => {
  for (const container of containers) await container.remove();
  await daemon?.stop();
  await podman?.stop();
  if (zram !== undefined) await hotRemove(zram);
  await work?.remove();
});

describe('devbinder hook with the daemon', () => {
  it('gives the same answer with and without the daemon, byte for byte', async () => {
    const before = (await daemon.status()).counters;
    for (const [name, input] of Object.entries(INPUTS)) {
      const viaDaemon = await hook(['--daemon-socket', daemon.socket], input);
      const alone = await hook(['--no-daemon'], input);
      expect({ name, ...viaDaemon }).toEqual({ name, ...alone });
    }
    const after = (await daemon.status()).counters;
    // The daemon answered every one of them (none fell back).
    expect(after.hookAnswers - before.hookAnswers).toBe(Object.keys(INPUTS).length);
    expect(after.hookDeclined).toBe(before.hookDeclined);
  });

  it('answers with the devices the host has now', async () => {
    const answer = await hook(
      ['--daemon-socket', daemon.socket],
      INPUTS['zram by subsystem'] ?? '',
    );
    const devices = JSON.parse(answer.stdout).linux.devices.map(
      ({ path }: { path: string }) => path,
    );
    expect(devices).toEqual(hostZram().map((number) => `/dev/zram${number}`));
    expect(devices).toContain(`/dev/zram${zram}`);
  });

  it('declines a hook that loads plugins from elsewhere; the hook then answers itself', async () => {
    const plugins = join(work.path, 'plugins');
    await mkdir(plugins);
    const input = INPUTS['zram by subsystem'] ?? '';
    const before = (await daemon.status()).counters;
    const viaDaemon = await hook(
      ['--daemon-socket', daemon.socket, '--plugin-dir', plugins],
      input,
    );
    const alone = await hook(['--no-daemon', '--plugin-dir', plugins], input);
    expect(viaDaemon).toEqual(alone);
    expect(viaDaemon.exitCode).toBe(0);
    expect((await daemon.status()).counters.hookDeclined).toBe(before.hookDeclined + 1);
  });

  it('declines a hook that reads other plugin limits; the hook then answers itself', async () => {
    const limits = join(work.path, 'limits.json');
    await writeFile(limits, JSON.stringify({ limits: { memoryMiB: 128 } }));
    const input = INPUTS['zram by subsystem'] ?? '';
    const before = (await daemon.status()).counters;
    const viaDaemon = await hook(['--daemon-socket', daemon.socket, '--config', limits], input);
    const alone = await hook(['--no-daemon', '--config', limits], input);
    expect(viaDaemon).toEqual(alone);
    expect(viaDaemon.exitCode).toBe(0);
    expect((await daemon.status()).counters.hookDeclined).toBe(before.hookDeclined + 1);
  });

  it('refuses to start on a socket no hook would trust (a directory others may write)', async () => {
    const shared = join(work.path, 'shared');
    await mkdir(shared, { mode: 0o777 });
    await chmod(shared, 0o777);
    const result = await run(process.execPath, [
      DEVBINDER,
      'daemon',
      '--podman-socket',
      podman.socket,
      '--socket',
      join(shared, 'daemon.sock'),
      '--state-dir',
      join(work.path, 'state-shared'),
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
    const hooksDir = await installHook(work.path, daemon.socket);
    const before = (await daemon.status()).counters.hookAnswers;
    const container = await startContainer({
      name: `${PREFIX}created`,
      annotations: { 'io.dev-binder.udev.subsystem': 'block:zram*' },
      hooksDir,
    });
    containers.push(container);
    expect((await daemon.status()).counters.hookAnswers).toBe(before + 1);
    const view = await zramView(container);
    expect(view.nodes).toContain(zram);
    expect(view.rules).toContain(zram);
  });
});
