import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fixtureDatabase,
  type LoadedSelector,
  loadExport,
  loadSelector,
  sampleCapture,
  useSelector,
} from '@devbinder/plugin-testkit';
import { afterEach, describe, expect, it } from 'vitest';

// Bundled selectors as the workspace build leaves them (`pnpm test` builds first).
const seatDir = fileURLToPath(new URL('../../../plugins/seat/dist', import.meta.url));
const usbDir = fileURLToPath(new URL('../../../plugins/usb/dist', import.meta.url));
const capture = fileURLToPath(new URL('../captures/desktop.export-db.txt', import.meta.url));

const db = fixtureDatabase({
  '/devices/input5': { subsystem: 'input', tags: ['seat'] },
  '/devices/input5/event5': { subsystem: 'input', devnode: '/dev/input/event5' },
  '/devices/input5/mouse0': { subsystem: 'input', devnode: '/dev/input/mouse0' },
  '/devices/card0': { subsystem: 'drm', tags: ['seat'] },
});

const loaded: LoadedSelector[] = [];
function load(...args: Parameters<typeof loadSelector>): LoadedSelector {
  const selector = loadSelector(...args);
  loaded.push(selector);
  return selector;
}
afterEach(async () => {
  for (const selector of loaded.splice(0)) await selector.close();
});

const temporary = () => mkdtempSync(join(tmpdir(), 'devbinder-testkit-'));

describe('loadSelector', () => {
  it('runs the plugin in a directory, from a path or a file URL', async () => {
    const seat = load(seatDir);
    expect(seat.name).toBe('seat');
    expect(await seat.nodes('seat0', db)).toEqual(['/dev/input/event5', '/dev/input/mouse0']);
    const fromUrl = load(new URL('../../../plugins/seat/dist', import.meta.url));
    expect(await fromUrl.nodes('seat0', db)).toEqual(await seat.nodes('seat0', db));
  });

  it('gives the chosen devices with their reasons, and reasons by node (else syspath)', async () => {
    const seat = load(seatDir);
    const chosen = await seat.select('seat0', db);
    expect(chosen.map(({ device }) => device.devpath)).toEqual([
      '/devices/input5/event5',
      '/devices/input5/mouse0',
    ]);
    expect(await seat.reasons('seat0', db)).toEqual({
      '/dev/input/event5': 'tag "seat", no other seat assigned (from input5)',
      '/dev/input/mouse0': 'tag "seat", no other seat assigned (from input5)',
    });
  });

  it("reports a plugin's errors as the host's PluginError", async () => {
    await expect(load(seatDir).select('', db)).rejects.toMatchObject({
      name: 'PluginError',
      plugin: 'seat',
      kind: 'invalid-argument',
      column: 1,
    });
  });

  it('runs under the limits it is given', async () => {
    await expect(
      load(seatDir, { limits: { loadDeadlineMs: 1 } }).select('seat0', db),
    ).rejects.toMatchObject({
      kind: 'deadline',
      message: expect.stringContaining('loadDeadlineMs'),
    });
  });

  it('asks which plugin when a directory holds several', async () => {
    const dir = temporary();
    cpSync(seatDir, join(dir, 'seat'), { recursive: true });
    cpSync(usbDir, join(dir, 'usb'), { recursive: true });
    expect(() => load(dir)).toThrow(`${dir} holds several plugins; pass { name }`);
    expect(load(dir, { name: 'usb' }).name).toBe('usb');
  });

  it('says what is wrong with a directory without a usable plugin', () => {
    const empty = temporary();
    expect(() => load(empty)).toThrow(
      `no plugin in ${empty}: build it first (devbinder plugin build)`,
    );
    const broken = temporary();
    mkdirSync(join(broken, 'mine'));
    writeFileSync(join(broken, 'mine', 'plugin.json'), '{ "name": "mine" }');
    expect(() => load(broken)).toThrow(
      `no usable plugin in ${broken}: plugin "mine": ${join(broken, 'mine', 'plugin.json')}: "sha256" must be a non-empty string`,
    );
  });
});

describe('useSelector', () => {
  const seat = useSelector(seatDir);
  // While vitest collects the tests, the plugin is not loaded yet.
  let early: unknown;
  try {
    void seat.name;
  } catch (error) {
    early = error;
  }

  it('loads the plugin before the tests', async () => {
    expect(seat.name).toBe('seat');
    expect(await seat.nodes('seat0', db)).toEqual(['/dev/input/event5', '/dev/input/mouse0']);
  });

  it('says so when it is used before then', () => {
    expect(early).toEqual(
      new Error('useSelector: the plugin loads before the tests; use it inside them'),
    );
  });
});

describe('captures', () => {
  it('replays an export by path or file URL; the sample desktop is one', () => {
    const syspaths = (db: ReturnType<typeof loadExport>) => db.devices.map((d) => d.syspath);
    const byPath = syspaths(loadExport(capture));
    expect(byPath.length).toBeGreaterThan(20);
    expect(
      syspaths(loadExport(new URL('../captures/desktop.export-db.txt', import.meta.url))),
    ).toEqual(byPath);
    expect(syspaths(sampleCapture('desktop'))).toEqual(byPath);
  });
});

describe('the README', () => {
  it('shows test/example.test.ts, which runs, as its example', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(new URL('./example.test.ts', import.meta.url), 'utf8'));
  });
});
