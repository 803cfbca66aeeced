import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The built package: its plugin worker is a separate file that only exists in dist/.
import { PluginHost, type PluginLimits, PluginRegistry } from '@devbinder/plugin-host';
import { fixtureDatabase } from '@devbinder/udev/fixtures';
import { afterEach, describe, expect, it } from 'vitest';

// The bundled seat plugin, as the workspace build leaves it (`pnpm test` builds first). Not a
// declared dependency: the seat plugin's own tests depend on this package.
const seatDir = fileURLToPath(new URL('../../../plugins/seat/dist', import.meta.url));
const db = fixtureDatabase({
  '/devices/input3': { subsystem: 'input', tags: ['seat'] },
  '/devices/input3/event3': { subsystem: 'input', devnode: '/dev/input/event3' },
  '/devices/loop0': { subsystem: 'block', devnode: '/dev/loop0' },
});

const hosts: PluginHost[] = [];
/** A host for `pluginDir`; one that remembers answers when given a cache directory to keep them in. */
function host(
  pluginDir: string,
  rememberIn?: string,
  limits: Partial<PluginLimits> = {},
): PluginHost {
  const cacheDir = rememberIn ?? mkdtempSync(join(tmpdir(), 'devbinder-host-'));
  const created = new PluginHost({
    registry: new PluginRegistry([pluginDir]),
    cacheDir,
    limits,
    ...(rememberIn ? { memoDir: join(cacheDir, 'answers') } : {}),
  });
  hosts.push(created);
  return created;
}
afterEach(async () => {
  for (const created of hosts.splice(0)) await created.close();
});

describe('PluginHost', () => {
  it('runs a component and maps its choices back to devices', async () => {
    const chosen = await host(seatDir).select('seat', 'seat0', db);
    expect(chosen.map(({ device, reason }) => [device.devnode, reason])).toEqual([
      ['/dev/input/event3', 'tag "seat", no other seat assigned (from input3)'],
    ]);
  });

  it('replays a remembered answer without running the plugin again', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'devbinder-memo-'));
    const first = await host(seatDir, cacheDir).select('seat', 'seat0', db);
    // A plugin that cannot load in 1 ms cannot run at all: only a remembered answer can serve.
    const hurried = host(seatDir, cacheDir, { loadDeadlineMs: 1 });
    expect(await hurried.select('seat', 'seat0', db)).toEqual(first);
    await expect(hurried.select('seat', 'seat1', db)).rejects.toMatchObject({ kind: 'deadline' });
  });

  it('verifies the component before replaying a remembered answer', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'devbinder-remembered-'));
    const cacheDir = mkdtempSync(join(tmpdir(), 'devbinder-memo-'));
    cpSync(seatDir, copy, { recursive: true });
    const component = join(copy, 'seat.wasm');
    const remembering = host(copy, cacheDir);
    await remembering.select('seat', 'seat0', db);
    // Other bytes under the same name; the manifest still has the old digest.
    const bytes = readFileSync(component);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    writeFileSync(component, bytes);
    const mismatch = {
      kind: 'digest-mismatch',
      message: expect.stringContaining(
        `${component} has sha256 ${createHash('sha256').update(bytes).digest('hex')}, but ${join(copy, 'plugin.json')} says`,
      ),
    };
    // In a new process (a new host), and in the one that remembered it.
    await expect(host(copy, cacheDir).select('seat', 'seat0', db)).rejects.toMatchObject(mismatch);
    await expect(remembering.select('seat', 'seat0', db)).rejects.toMatchObject(mismatch);
  });

  it('refuses a component whose digest does not match its manifest, naming both files', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'devbinder-tampered-'));
    cpSync(seatDir, copy, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(copy, 'plugin.json'), 'utf8'));
    writeFileSync(
      join(copy, 'plugin.json'),
      JSON.stringify({ ...manifest, sha256: 'f'.repeat(64) }),
    );
    await expect(host(copy).select('seat', 'seat0', db)).rejects.toMatchObject({
      kind: 'digest-mismatch',
      message: expect.stringMatching(
        new RegExp(
          `${join(copy, 'seat.wasm')} has sha256 [0-9a-f]{64}, but ${join(copy, 'plugin.json')} says f{64}`,
        ),
      ),
    });
  });

  it('refuses an argument over the size limit before running anything', async () => {
    await expect(host(seatDir).select('seat', 'x'.repeat(5000), db)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message:
        'plugin "seat": the argument is longer than its limit of 4096 bytes (maxArgumentBytes)',
    });
  });
});
