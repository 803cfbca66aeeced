import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/podman.js';
import { PROTOCOL_VERSION } from '../src/protocol.js';
import { runHook, waitUntil, zramView } from './support/lab.js';
import { expectDeclinedAndAnsweredAlone, useDaemonTestbed } from './support/testbed.js';

/*
 * A plugin installed into a --plugin-dir, and plugin limits changed, while the daemon runs: the
 * daemon notices and loads its plugins again, so hooks it answers and its passes over running
 * containers use them as the hook alone would.
 */

/** A copy of the bundled subsystem selector under a name no other plugin has. */
const NAME = 'zramcopy';
const ANNOTATIONS = { [`io.dev-binder.udev.${NAME}`]: 'block:zram*' };
/** The limits the daemon starts with: one for every plugin, none in particular. */
const LIMITS = { limits: { memoryMiB: 128 } };

const testbed = useDaemonTestbed('daemon-plugins');
let pluginDir: string;
let limits: string;
let zram: number;

const config = JSON.stringify({
  ociVersion: '1.0.2',
  process: { args: ['sh'] },
  annotations: ANNOTATIONS,
  linux: { namespaces: [{ type: 'mount' }] },
});

/** The daemon's own answer to a hook request, however long it takes (no fallback involved). */
function daemonAnswer(): Promise<unknown> {
  const request = {
    version: PROTOCOL_VERSION,
    kind: 'hook',
    config,
    pluginDirs: [pluginDir],
    hostConfig: limits,
  };
  return new Promise((resolve, reject) => {
    const socket = connect(testbed.daemon.socket);
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
  });
}

/** This daemon's plugin directory and limits, on the hook's command line. */
const hookOptions = () => ['--plugin-dir', pluginDir, '--config', limits];

/** The hook as hooks.d runs it, with this daemon's plugin directory and limits. */
async function hook(...args: string[]) {
  const result = await runHook(testbed.dir, [...args, ...hookOptions()], config);
  return { kind: 'hook', exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

const hookAlone = () => hook('--no-daemon');

function install(): void {
  const target = join(pluginDir, NAME);
  cpSync(join(REPO_ROOT, 'plugins/subsystem/dist'), target, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(target, 'plugin.json'), 'utf8'));
  writeFileSync(join(target, 'plugin.json'), JSON.stringify({ ...manifest, name: NAME }));
}

beforeAll(async () => {
  pluginDir = join(testbed.dir, 'plugins');
  mkdirSync(pluginDir);
  limits = join(testbed.dir, 'limits.json');
  writeFileSync(limits, JSON.stringify(LIMITS));
  zram = await testbed.zram.add({ size: '1M' });
  await testbed.startDaemon({ pluginDirs: [pluginDir], config: limits });
});

describe('devbinder daemon and plugins changed while it runs', () => {
  it('answers hooks and updates running containers with a plugin installed meanwhile', async () => {
    const container = await testbed.container('waiting', { annotations: ANNOTATIONS });
    await testbed.daemon.waitForLog(
      `the daemon to try ${NAME} for ${container.name}`,
      ({ event, selector }) => event === 'selector-failed' && selector === NAME,
    );
    const unknown = await daemonAnswer();
    expect(unknown).toEqual(await hookAlone());
    expect(JSON.stringify(unknown)).toContain(NAME);
    expect((await zramView(container)).nodes).toEqual([]);

    const since = testbed.daemon.logs.length;
    install();
    const answered = (await testbed.daemon.status()).counters.hookAnswers;
    const known = await daemonAnswer();
    const alone = await hookAlone();
    expect(known).toEqual(alone);
    expect(alone.stdout).toContain(`"path":"/dev/zram${zram}"`);
    expect((await testbed.daemon.status()).counters.hookAnswers).toBe(answered + 1);
    // The hook through the daemon, as hooks.d runs it: the same again.
    expect(await hook('--daemon-socket', testbed.daemon.socket)).toEqual(alone);

    // The running container, which asked for the plugin before it existed, gets its device.
    await waitUntil(`zram${zram} in ${container.name}`, async () =>
      (await zramView(container)).nodes.includes(zram),
    );
    expect(testbed.daemon.logsSince(since, 'plugins-reloaded')).toHaveLength(1);
  });

  it('takes new limits at their next use, and leaves an invalid limits file to the hook', async () => {
    const since = testbed.daemon.logs.length;
    const device = `"path":"/dev/zram${zram}"`;
    // A limit whose effect is in the answer: the copy's component (11.5 MiB) is refused.
    writeFileSync(
      limits,
      JSON.stringify({ ...LIMITS, plugins: { [NAME]: { limits: { maxComponentMiB: 1 } } } }),
    );
    const refused = await hookAlone();
    expect(refused.stdout).not.toContain(device);
    expect(refused.stderr).toContain('more than the 1 MiB a component may have (maxComponentMiB)');
    expect(await daemonAnswer()).toEqual(refused);

    writeFileSync(limits, '{"limits": {"memoryMiB": ');
    expect(await daemonAnswer()).toMatchObject({
      kind: 'declined',
      reason: expect.stringContaining(limits),
    });
    const alone = await expectDeclinedAndAnsweredAlone(testbed, hookOptions(), config);
    expect(alone.exitCode).not.toBe(0);
    expect(testbed.daemon.logsSince(since, 'plugins-reload-failed')).toHaveLength(1);

    // And back: the component is loaded again.
    writeFileSync(limits, JSON.stringify(LIMITS));
    const answered = (await testbed.daemon.status()).counters.hookAnswers;
    const restored = await hookAlone();
    expect(restored.stdout).toContain(device);
    expect(await daemonAnswer()).toEqual(restored);
    expect((await testbed.daemon.status()).counters.hookAnswers).toBe(answered + 1);
    expect(testbed.daemon.logsSince(since, 'plugins-reloaded')).toHaveLength(2);
  });
});
