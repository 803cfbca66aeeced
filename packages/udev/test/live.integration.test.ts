import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseExportDb,
  readLiveDatabase,
  type UdevDatabase,
  type UdevDevice,
} from '../src/index.js';

// Real udevd, real sysfs: the live reader must see what `udevadm info` sees. Needs root; fails
// (never skips) when it cannot get a running udevd.

const RULES = '/etc/udev/rules.d/99-devbinder-udev-test.rules';
const LOOP0 = '/devices/virtual/block/loop0';

function udevadm(...args: string[]): string {
  return execFileSync('udevadm', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

function udevdAnswers(): boolean {
  return spawnSync('udevadm', ['control', '--ping', '--timeout=5']).status === 0;
}

/** Starts udevd if needed and makes sure its database is filled. */
function ensureUdevd(): void {
  if (process.geteuid?.() !== 0) {
    throw new Error('udev integration tests need root: they start udevd and install udev rules');
  }
  let started = false;
  if (!udevdAnswers()) {
    const daemon = spawnSync('/lib/systemd/systemd-udevd', ['--daemon'], { encoding: 'utf8' });
    if (daemon.status !== 0 || !udevdAnswers()) {
      throw new Error(
        `cannot start udevd (/lib/systemd/systemd-udevd --daemon, exit ${daemon.status}): ${daemon.stderr}`,
      );
    }
    started = true;
  }
  if (started || !existsSync('/run/udev/data') || udevadm('info', '--export-db').length === 0) {
    udevadm('trigger', '--action=add');
    udevadm('settle');
  }
}

function readLive(): { db: UdevDatabase; warnings: string[] } {
  const warnings: string[] = [];
  return { db: readLiveDatabase({ warn: (message) => warnings.push(message) }), warnings };
}

/**
 * A device with udev's unordered values (DEVLINKS, TAGS, CURRENT_TAGS, tags, symlinks: hash-set
 * order, which udevd and udevadm do not share) sorted, and without `parent`, which depends on
 * which ancestors a reader includes.
 */
function comparable({ parent, ...device }: UdevDevice) {
  const properties = { ...device.properties };
  const sortJoined = (key: string, separator: string) => {
    const value = properties[key];
    if (value !== undefined) properties[key] = value.split(separator).sort().join(separator);
  };
  sortJoined('DEVLINKS', ' ');
  sortJoined('TAGS', ':');
  sortJoined('CURRENT_TAGS', ':');
  return {
    ...device,
    properties,
    tags: [...device.tags].sort(),
    symlinks: [...device.symlinks].sort(),
  };
}

/** The name of the device's /run/udev/data file, as sd-device forms it. */
function databaseId(device: UdevDevice): string {
  if (device.devnum !== undefined) {
    return `${device.devnum.type}${device.devnum.major}:${device.devnum.minor}`;
  }
  const ifindex = device.properties.IFINDEX;
  if (ifindex !== undefined) return `n${ifindex}`;
  return `+${device.subsystem}:${device.devpath.slice(device.devpath.lastIndexOf('/') + 1)}`;
}

beforeAll(() => {
  ensureUdevd();
  if (!existsSync(`/sys${LOOP0}`)) throw new Error(`no /sys${LOOP0}: load the loop module`);
  mkdirSync('/etc/udev/rules.d', { recursive: true });
  writeFileSync(
    RULES,
    'KERNEL=="loop0", TAG+="seat", TAG+="seat1", ENV{ID_SEAT}="seat1", SYMLINK+="devbinder-test/loop0"\n',
  );
  udevadm('control', '--reload');
  udevadm('trigger', '--action=change', `/sys${LOOP0}`);
  udevadm('settle');
});

afterAll(() => {
  rmSync(RULES, { force: true });
  udevadm('control', '--reload');
  udevadm('trigger', '--action=change', `/sys${LOOP0}`);
  udevadm('settle');
});

describe('readLiveDatabase against udevadm on this machine', () => {
  it('reads every device as udevadm info --export-db shows it', () => {
    const before = readLive();
    const exported = parseExportDb(udevadm('info', '--export-db'), 'udevadm info --export-db');
    const after = readLive();
    expect(before.warnings).toEqual([]);
    expect(before.db.source).toBe('udev');

    // Devices that came, went or changed between the reads are no reader's fault.
    const stable = before.db.devices.filter(
      (device) => JSON.stringify(after.db.get(device.devpath)) === JSON.stringify(device),
    );
    const churn = before.db.devices.length + after.db.devices.length - 2 * stable.length;
    expect(churn, 'devices changed during the test; is something hot-plugging?').toBeLessThan(5);
    const live = new Map(stable.map((device) => [device.devpath, device]));
    const isAncestor = (devpath: string) =>
      stable.some((device) => device.devpath.startsWith(`${devpath}/`));

    let compared = 0;
    const notExported: string[] = [];
    for (const device of stable) {
      const expected = exported.get(device.devpath);
      if (expected === undefined) {
        notExported.push(device.devpath);
        continue;
      }
      expect(comparable(device), device.devpath).toEqual(comparable(expected));
      compared++;
    }
    expect(compared).toBeGreaterThan(50);

    // Devices udevd keeps a file for are all there; the others only as ancestors.
    for (const device of exported.devices) {
      if (
        after.db.get(device.devpath) === undefined &&
        before.db.get(device.devpath) !== undefined
      ) {
        continue;
      }
      const hasFile = existsSync(`/run/udev/data/${databaseId(device)}`);
      if (hasFile) expect(live.has(device.devpath), device.devpath).toBe(true);
      else expect(live.has(device.devpath), device.devpath).toBe(isAncestor(device.devpath));
    }

    // Ancestors on no bus and in no class (`/devices/pci0000:00`) are not enumerated by
    // --export-db; `udevadm info` still describes them, and must agree.
    expect(notExported.every(isAncestor)).toBe(true);
    if (notExported.length > 0) {
      const described = parseExportDb(
        udevadm('info', ...notExported.map((devpath) => `/sys${devpath}`)),
        'udevadm info',
      );
      for (const devpath of notExported) {
        const expected = described.get(devpath);
        expect(expected, devpath).toBeDefined();
        if (expected !== undefined) {
          expect(comparable(live.get(devpath) as UdevDevice)).toEqual(comparable(expected));
        }
      }
    }
  });

  it("sees a rule's tags, property and symlink", () => {
    const loop0 = readLive().db.get(LOOP0);
    expect(loop0?.tags).toEqual(expect.arrayContaining(['seat', 'seat1']));
    expect(loop0?.properties.ID_SEAT).toBe('seat1');
    expect(loop0?.symlinks).toContain('/dev/devbinder-test/loop0');
    expect(loop0?.properties.DEVLINKS?.split(' ')).toContain('/dev/devbinder-test/loop0');
    expect(readlinkSync('/dev/devbinder-test/loop0')).toBe('../loop0');
  });

  it('falls back to sysfs alone and still agrees with udevadm on what the kernel says', () => {
    // A root holding only a link to the real /sys: no /run/udev/data there.
    const root = mkdtempSync(join(tmpdir(), 'devbinder-sysfs-only-'));
    try {
      symlinkSync('/sys', join(root, 'sys'));
      const warnings: string[] = [];
      const sysfs = readLiveDatabase({ root, warn: (message) => warnings.push(message) });
      const exported = parseExportDb(udevadm('info', '--export-db'), 'udevadm info --export-db');
      expect(warnings).toEqual([
        `no udev database at ${root}/run/udev/data (is systemd-udevd running?); using sysfs only: no udev tags, properties or symlinks`,
      ]);
      expect(sysfs.source).toBe('sysfs');

      // The same enumeration as sd-device's, plus ancestors on no bus and in no class.
      const missing = exported.devices.filter((device) => sysfs.get(device.devpath) === undefined);
      expect(missing.map((device) => device.devpath)).toEqual([]);
      for (const device of sysfs.devices) {
        const expected = exported.get(device.devpath);
        if (expected === undefined) {
          expect(device.subsystem, device.devpath).toBeUndefined();
          continue;
        }
        const { sysname, subsystem, devtype, driver, devnode, devnum } = expected;
        expect(device, device.devpath).toMatchObject({
          sysname,
          subsystem,
          devtype,
          driver,
          devnode,
          devnum,
        });
        expect(device.tags).toEqual([]);
        // Kernel properties are udev's too, unless a rule overrode one.
        for (const [key, value] of Object.entries(device.properties)) {
          if (key === 'ID_SEAT') continue;
          expect(expected.properties[key], `${device.devpath} ${key}`).toBe(value);
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
