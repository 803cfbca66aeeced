import { posix } from 'node:path';
import { createDatabase } from './database.js';
import type { UdevDatabase } from './model.js';
import { readThroughSnapshot } from './snapshot.js';
import { readSysfsDevices } from './sysfs.js';
import { SysfsReader } from './sysfs-reader.js';
import { readUdevDataDevices } from './udev-data.js';

export interface LiveDatabaseOptions {
  /** Prefix of every path read (default `/`), so tests can point the reader at a fake tree. */
  readonly root?: string;
  /**
   * Told about degraded results: once when there is no udev database and sysfs alone is used, and
   * once per device skipped for a malformed `uevent` or database file. Default: silent (the
   * database's `source` still says `sysfs`).
   */
  readonly warn?: (message: string) => void;
  /**
   * A file for a snapshot of the database, reused while `/run/udev/data` is unchanged (see
   * snapshot.ts). Only the caller may be able to write where it lives.
   */
  readonly snapshot?: string;
}

/**
 * Reads the host's device database now, synchronously (it runs inside a container-start hook):
 * the devices in `/run/udev/data` with their sysfs `uevent` and `subsystem`, plus all their
 * ancestor devices. Devices that vanish while being read are skipped.
 *
 * Without `/run/udev/data` (no udevd) it falls back to enumerating sysfs, returns `source:
 * 'sysfs'` and warns once.
 */
export function readLiveDatabase(options: LiveDatabaseOptions = {}): UdevDatabase {
  const root = options.root ?? '/';
  const read = () => readNow(root, options.warn ?? (() => {}));
  return options.snapshot === undefined
    ? read()
    : readThroughSnapshot(options.snapshot, root, read);
}

function readNow(root: string, warn: (message: string) => void): UdevDatabase {
  const reader = new SysfsReader({ root, warn });
  const names = reader.list('/run/udev/data');
  if (names === undefined) {
    warn(
      `no udev database at ${posix.join(root, 'run/udev/data')} (is systemd-udevd running?); ` +
        'using sysfs only: no udev tags, properties or symlinks',
    );
    return createDatabase('sysfs', readSysfsDevices(reader));
  }
  const devices = readUdevDataDevices(reader, names);
  reader.addAncestors(devices);
  return createDatabase('udev', devices.values());
}
