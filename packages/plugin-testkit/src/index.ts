import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ChosenDevice,
  PluginHost,
  type PluginLimits,
  PluginRegistry,
} from '@devbinder/plugin-host';

export type {
  ChosenDevice,
  PluginError,
  PluginErrorKind,
  PluginLimits,
} from '@devbinder/plugin-host';

import { parseExportDb, type UdevDatabase } from '@devbinder/udev';
import { afterAll, beforeAll } from 'vitest';

export { type DeviceFixture, fixtureDatabase } from '@devbinder/udev/fixtures';

/** A built plugin, run exactly as devbinder runs it: verified, transpiled, in a worker, under limits. */
export interface LoadedSelector {
  readonly name: string;
  /** What the plugin chooses for `argument`, with its reasons. */
  select(argument: string, db: UdevDatabase): Promise<ChosenDevice[]>;
  /** The device nodes it chooses, sorted: the usual thing to assert on. */
  nodes(argument: string, db: UdevDatabase): Promise<string[]>;
  /**
   * What it chooses with its reasons, as one object to compare with `toEqual`: device node (the
   * syspath for a device without one) → reason.
   */
  reasons(argument: string, db: UdevDatabase): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface LoadOptions {
  /** Selector name; default: the only plugin in `dir`. */
  name?: string;
  limits?: Partial<PluginLimits>;
}

/**
 * Loads the plugin whose `plugin.json` is in `dir` (e.g. `dist/` after `devbinder plugin build`;
 * a file URL works too: `new URL('../dist', import.meta.url)`). Answers are never remembered (no
 * memo), so every call runs the plugin.
 */
export function loadSelector(where: string | URL, options: LoadOptions = {}): LoadedSelector {
  const dir = where instanceof URL ? fileURLToPath(where) : where;
  const registry = new PluginRegistry([dir]);
  const [only, ...others] = registry.list();
  const name = options.name ?? only?.manifest.name;
  if (name === undefined) {
    const problems = registry.listProblems().map(({ error }) => error.message);
    throw new Error(
      problems.length > 0
        ? `no usable plugin in ${dir}: ${problems.join('; ')}`
        : `no plugin in ${dir}: build it first (devbinder plugin build)`,
    );
  }
  if (options.name === undefined && others.length > 0) {
    throw new Error(`${dir} holds several plugins; pass { name }`);
  }
  // Transpiled components are keyed by digest, so one cache serves every test run of this user.
  const cacheDir = join(tmpdir(), `devbinder-testkit-${process.geteuid?.() ?? 'user'}`);
  const host = new PluginHost({
    registry,
    cacheDir,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return {
    name,
    select: (argument, db) => host.select(name, argument, db),
    async nodes(argument, db) {
      const chosen = await host.select(name, argument, db);
      return chosen.flatMap(({ device }) => (device.devnode ? [device.devnode] : [])).sort();
    },
    async reasons(argument, db) {
      const chosen = await host.select(name, argument, db);
      return Object.fromEntries(
        chosen.map(({ device, reason }) => [device.devnode ?? device.syspath, reason]),
      );
    },
    close: () => host.close(),
  };
}

/**
 * Replays a capture made with `udevadm info --export-db > FILE` (on any machine). A file URL
 * (`new URL('fixtures/laptop.export-db.txt', import.meta.url)`) does not depend on where vitest
 * runs from.
 */
export function loadExport(file: string | URL): UdevDatabase {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  return parseExportDb(readFileSync(path, 'utf8'), path);
}

/**
 * `loadSelector` for a test file: loads the plugin before its tests (vitest's beforeAll) and stops
 * its worker after them (afterAll). Call it at the top level of the file.
 */
export function useSelector(where: string | URL, options: LoadOptions = {}): LoadedSelector {
  let loaded: LoadedSelector | undefined;
  beforeAll(() => {
    loaded = loadSelector(where, options);
  });
  afterAll(() => loaded?.close());
  const current = (): LoadedSelector => {
    if (!loaded)
      throw new Error('useSelector: the plugin loads before the tests; use it inside them');
    return loaded;
  };
  return {
    get name() {
      return current().name;
    },
    select: (argument, db) => current().select(argument, db),
    nodes: (argument, db) => current().nodes(argument, db),
    reasons: (argument, db) => current().reasons(argument, db),
    close: () => current().close(),
  };
}

/**
 * A real machine to test against: `desktop` is a systemd 252 desktop with two seats (seat1 on a
 * USB hub), a keyboard and a mouse, an FTDI serial adapter, sound, a GPU and a disk.
 */
export function sampleCapture(name: 'desktop'): UdevDatabase {
  return loadExport(new URL(`../captures/${name}.export-db.txt`, import.meta.url));
}
