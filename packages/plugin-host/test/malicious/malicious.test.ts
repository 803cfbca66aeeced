/**
 * The malicious-plugin suite against the host itself: real components (built by ./build.ts) that
 * loop, exhaust memory, import WASI, lie in their answers or fail untidily. Each must end in its
 * own error, naming the plugin and the limit, and leave the host able to serve the next call.
 * (The same plugins through `devbinder hook` and `explain`: packages/cli/test.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginHost, type PluginLimits, PluginRegistry } from '@devbinder/plugin-host';
import { fixtureDatabase } from '@devbinder/udev/fixtures';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maliciousPluginDir } from './build.js';

let pluginDir: string;
beforeAll(async () => {
  pluginDir = await maliciousPluginDir();
}, 600_000);

const db = fixtureDatabase({
  '/devices/pci0000:00/usb1': { subsystem: 'usb', devnode: '/dev/bus/usb/001/001' },
  '/devices/virtual/block/loop0': { subsystem: 'block', devnode: '/dev/loop0' },
  '/devices/virtual/block/loop1': { subsystem: 'block', devnode: '/dev/loop1' },
  '/devices/virtual/tty/tty0': { subsystem: 'tty', devnode: '/dev/tty0' },
});

const hosts: PluginHost[] = [];
/**
 * A host under `limits`, or under them for one plugin (the misbehaving one) when `only` names it.
 * Other calls get a long deadline: a busy CI machine must not fail a well-behaved plugin.
 */
function host(limits: Partial<PluginLimits> = {}, only?: string): PluginHost {
  const created = new PluginHost({
    registry: new PluginRegistry([pluginDir]),
    cacheDir: mkdtempSync(join(tmpdir(), 'devbinder-malicious-')),
    limits: { deadlineMs: 10_000, ...(only === undefined ? limits : {}) },
    limitsFor: (plugin) => (plugin === only ? limits : undefined),
    shortLived: true,
  });
  hosts.push(created);
  return created;
}
afterEach(async () => {
  for (const created of hosts.splice(0)) await created.close();
});

/** The host is healthy when it still answers a well-behaved call, and the same plugin again. */
async function expectHealthy(after: PluginHost): Promise<void> {
  const chosen = await after.select('everything', 'block', db);
  expect(chosen.map(({ device }) => device.devnode)).toEqual(['/dev/loop0', '/dev/loop1']);
}

describe('a plugin that never answers', () => {
  it.each(['select', 'interest'])('is stopped at its deadline (looping in %s)', async (where) => {
    const victim = host({ deadlineMs: 500 }, 'loop');
    await expect(victim.select('loop', where, db)).rejects.toMatchObject({
      plugin: 'loop',
      kind: 'deadline',
      message: 'plugin "loop": did not answer within its deadline of 500 ms (deadlineMs)',
    });
    await expectHealthy(victim);
  });
});

describe('a plugin that does not load in time', () => {
  it('is stopped at its load deadline, and loads again with time to', async () => {
    const hurried = host({ loadDeadlineMs: 1 }, 'memory-bomb');
    await expect(hurried.select('memory-bomb', '1', db)).rejects.toMatchObject({
      plugin: 'memory-bomb',
      kind: 'deadline',
      message: 'plugin "memory-bomb": did not load within its deadline of 1 ms (loadDeadlineMs)',
    });
    await expectHealthy(hurried);
  });
});

describe('a plugin that exhausts memory', () => {
  it('is stopped at the memory cap, which is what stops it', async () => {
    const victim = host({ deadlineMs: 20_000 }, 'memory-bomb');
    const error = await victim.select('memory-bomb', 'forever', db).catch((caught) => caught);
    expect(error).toMatchObject({ plugin: 'memory-bomb', kind: 'memory' });
    const reached = /reached ([\d.]+) MiB of its 256 MiB cap \(memoryMiB\)/.exec(error.message);
    expect(reached, error.message).not.toBeNull();
    expect(Number(reached?.[1])).toBeLessThanOrEqual(256);
    await expectHealthy(victim);
  });

  it('may use memory up to its cap: 100 MiB pass under the default cap and fail under 64 MiB', async () => {
    await expect(host().select('memory-bomb', '100', db)).resolves.toEqual([]);
    const capped = host({ memoryMiB: 64, deadlineMs: 20_000 }, 'memory-bomb');
    await expect(capped.select('memory-bomb', '100', db)).rejects.toMatchObject({
      kind: 'memory',
      message: expect.stringContaining('of its 64 MiB cap (memoryMiB)'),
    });
    await expectHealthy(capped);
  });

  it('cannot even load under a cap below what its engine needs at start', async () => {
    // StarlingMonkey declares ~9 MiB; the config file allows no cap that low, the API does.
    await expect(host({ memoryMiB: 8 }).select('memory-bomb', '1', db)).rejects.toMatchObject({
      kind: 'memory',
      message: expect.stringMatching(
        /needs [\d.]+ MiB of memory at start, more than the cap of 8 MiB \(memoryMiB\)$/,
      ),
    });
  });
});

describe('a component that imports from the host', () => {
  it('is refused at load, with the list of its imports', async () => {
    const victim = host();
    const error = await victim.select('forbidden-imports', 'x', db).catch((caught) => caught);
    expect(error).toMatchObject({ plugin: 'forbidden-imports', kind: 'forbidden-imports' });
    for (const name of ['wasi:clocks/monotonic-clock', 'wasi:random/random', 'wasi:cli/stdout'])
      expect(error.message).toContain(name);
    await expectHealthy(victim);
  });
});

describe('a plugin whose answer breaks the contract', () => {
  it.each([
    ['out-of-range', 'invalid-output', 'chose device #4, but only #0 to #3 were offered'],
    ['duplicate', 'invalid-output', 'chose device #0 (/sys/devices/pci0000:00/usb1) twice'],
    ['not-json', 'invalid-output', 'answered with text that is not JSON'],
    [
      'oversized',
      'invalid-output',
      'answered select with 36870 bytes, more than the 16514 its input allows',
    ],
    ['throw-number', 'crashed', 'trapped: wasm trap: wasm `unreachable` instruction executed'],
  ])('%s: %s', async (argument, kind, detail) => {
    const victim = host();
    await expect(victim.select('bad-output', argument, db)).rejects.toMatchObject({
      plugin: 'bad-output',
      kind,
      message: `plugin "bad-output": ${detail}`,
    });
    await expectHealthy(victim);
  });
});

describe('a plugin that fails untidily', () => {
  it('has a megabyte error message cut to the message limit', async () => {
    const victim = host();
    const error = await victim.select('errors', 'megabyte', db).catch((caught) => caught);
    expect(error).toMatchObject({ plugin: 'errors', kind: 'failed' });
    expect(error.message).toBe(
      `plugin "errors": ${'x'.repeat(1024)}… (cut at 1024 bytes of 1048576)`,
    );
    await expectHealthy(victim);
  });

  it('reports a bug in its code as a failure with the exception message', async () => {
    await expect(host().select('errors', 'bug', db)).rejects.toMatchObject({
      kind: 'failed',
      message: 'plugin "errors": can\'t access property "device", missing is null',
    });
  });
});

describe('a plugin that chooses every device', () => {
  it('gets every device it was offered, and nothing it was not', async () => {
    const greedy = host();
    expect((await greedy.select('everything', '', db)).length).toBe(db.devices.length);
    expect(
      (await greedy.select('everything', 'tty', db)).map(({ device }) => device.devnode),
    ).toEqual(['/dev/tty0']);
  });
});
