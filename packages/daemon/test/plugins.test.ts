import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UdevDevice } from '@devbinder/udev';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PluginLoad, pathsFingerprint, ReloadingPlugins } from '../src/plugins.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'devbinder-plugins-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('pathsFingerprint', () => {
  it('changes when a plugin directory or file is added, rewritten or removed', () => {
    const search = join(dir, 'plugins');
    const config = join(dir, 'config.json');
    const print = () => pathsFingerprint([search, config]);
    const states = [print()];
    mkdirSync(join(search, 'usb'), { recursive: true });
    states.push(print());
    writeFileSync(join(search, 'usb', 'plugin.json'), '{"name":"usb"}');
    states.push(print());
    writeFileSync(join(search, 'usb', 'plugin.json'), '{"name":"usb2"}');
    states.push(print());
    writeFileSync(config, '{}');
    states.push(print());
    rmSync(join(search, 'usb'), { recursive: true });
    states.push(print());
    expect(new Set(states).size).toBe(states.length);
    expect(print()).toBe(print());
  });

  it('does not look inside what a plugin directory holds', () => {
    mkdirSync(join(dir, 'usb', 'src'), { recursive: true });
    writeFileSync(join(dir, 'usb', 'src', 'index.ts'), 'export {}');
    const before = pathsFingerprint([dir]);
    writeFileSync(join(dir, 'usb', 'src', 'index.ts'), 'export { x }');
    expect(pathsFingerprint([dir])).toBe(before);
  });
});

/** Loads numbered from 1; which are closed; what the files say. */
function setup() {
  const state = { files: 'a', broken: false, loads: 0, closed: [] as number[], reloads: 0 };
  const failures: string[] = [];
  const load = (): PluginLoad => {
    if (state.broken) throw new Error('config.json: "deadlineMs" must be a number');
    const number = ++state.loads;
    return {
      runner: {
        select: async () => [
          { device: { devpath: `/load/${number}` } as UdevDevice, reason: `load ${number}` },
        ],
      },
      close: async () => {
        state.closed.push(number);
      },
    };
  };
  const plugins = new ReloadingPlugins({
    load,
    fingerprint: () => state.files,
    onReload: () => state.reloads++,
    onLoadFailed: (message) => failures.push(message),
  });
  const chosenBy = () =>
    plugins.use(async ({ runner, problem }) => {
      const [chosen] = await runner.select('x', '', { devices: [], source: 'udev' } as never);
      return { load: chosen?.device.devpath, problem };
    });
  return { state, failures, plugins, chosenBy };
}

describe('ReloadingPlugins', () => {
  it('keeps one load while the files stay as they were', async () => {
    const { state, chosenBy } = setup();
    expect(await chosenBy()).toEqual({ load: '/load/1', problem: undefined });
    expect(await chosenBy()).toEqual({ load: '/load/1', problem: undefined });
    expect(state).toMatchObject({ loads: 1, reloads: 0, closed: [] });
  });

  it('loads again when they change, and closes the old load once its uses settled', async () => {
    const { state, plugins, chosenBy } = setup();
    let finish: () => void = () => {};
    const inFlight = plugins.use(
      () =>
        new Promise<string>((resolve) => {
          finish = () => resolve('old load used to the end');
        }),
    );
    state.files = 'b';
    expect(await chosenBy()).toEqual({ load: '/load/2', problem: undefined });
    expect(state).toMatchObject({ loads: 2, reloads: 1, closed: [] });
    finish();
    expect(await inFlight).toBe('old load used to the end');
    expect(state.closed).toEqual([1]);
    await plugins.close();
    expect(state.closed).toEqual([1, 2]);
  });

  it('keeps the last load that worked when the files cannot be loaded, and says why once', async () => {
    const { state, failures, chosenBy } = setup();
    state.files = 'broken';
    state.broken = true;
    const problem = 'config.json: "deadlineMs" must be a number';
    expect(await chosenBy()).toEqual({ load: '/load/1', problem });
    expect(await chosenBy()).toEqual({ load: '/load/1', problem });
    expect(failures).toEqual([problem]);
    state.files = 'fixed';
    state.broken = false;
    expect(await chosenBy()).toEqual({ load: '/load/2', problem: undefined });
    expect(state.closed).toEqual([1]);
  });
});
