import { type BigIntStats, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { createDatabase, type UnlinkedDevice } from './database.js';
import type { UdevDatabase } from './model.js';

/** Bumped whenever the reader's output for the same files changes: old snapshots then miss. */
const FORMAT = 1;

/**
 * udevd replaces a database file by renaming a new one over it, and removes files of vanished
 * devices: every change to the database touches the directory's mtime. File times come from a
 * coarse clock (one tick is a few ms), so two changes within one tick can share an mtime; a
 * snapshot is therefore only written when the directory has been quiet for this long before the
 * read began. Any later change then moves the mtime past the recorded one.
 */
const QUIET_MS = 1000;

interface Snapshot {
  format: number;
  root: string;
  directory: string;
  devices: UnlinkedDevice[];
}

/**
 * Reads the live database through a snapshot file: reading 1,000 devices costs ~8 system calls
 * each (40-75 ms on a slow VM), reading the snapshot one file. The snapshot is used only while
 * `/run/udev/data` is exactly as it was when the snapshot was taken (device, inode, mtime, ctime),
 * and written only by a read that saw a quiet directory. Without a udev database (sysfs fallback)
 * it reads directly every time: sysfs gives no such change signal.
 *
 * The file must live where only the hook's user can write: its content decides what a container
 * gets.
 */
export function readThroughSnapshot(
  file: string,
  root: string,
  read: () => UdevDatabase,
): UdevDatabase {
  const dataDir = posix.join(root, 'run/udev/data');
  const before = identity(dataDir);
  if (before === undefined) return read();
  const known = load(file);
  if (known && known.root === root && known.directory === before.key) {
    return createDatabase('udev', known.devices);
  }
  const started = Date.now();
  const db = read();
  const after = identity(dataDir);
  if (after?.key === before.key && started - before.mtimeMs >= QUIET_MS) {
    save(file, { format: FORMAT, root, directory: before.key, devices: db.devices.map(unlinked) });
  }
  return db;
}

function identity(dir: string): { key: string; mtimeMs: number } | undefined {
  let info: BigIntStats;
  try {
    info = statSync(dir, { bigint: true });
  } catch {
    return undefined;
  }
  return {
    key: [info.dev, info.ino, info.mtimeNs, info.ctimeNs].join(':'),
    mtimeMs: Number(info.mtimeMs),
  };
}

/** The snapshot in `file`; undefined when there is none, or it is anything but what `save` writes. */
function load(file: string): Snapshot | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  return isSnapshot(value) ? value : undefined;
}

/**
 * What containers get is decided from this file, so it is checked as input: a snapshot of
 * another format, a truncated or edited one, is no snapshot, and the database is read again.
 */
function isSnapshot(value: unknown): value is Snapshot {
  if (!isRecord(value) || value.format !== FORMAT) return false;
  if (typeof value.root !== 'string' || typeof value.directory !== 'string') return false;
  if (!Array.isArray(value.devices)) return false;
  const devpaths = new Set<string>();
  for (const device of value.devices) {
    if (!isDevice(device) || devpaths.has(device.devpath)) return false;
    devpaths.add(device.devpath);
  }
  return true;
}

function isDevice(value: unknown): value is UnlinkedDevice {
  return (
    isRecord(value) &&
    typeof value.devpath === 'string' &&
    value.devpath.startsWith('/') &&
    typeof value.syspath === 'string' &&
    typeof value.sysname === 'string' &&
    optionalString(value.subsystem) &&
    optionalString(value.devtype) &&
    optionalString(value.driver) &&
    optionalString(value.devnode) &&
    (value.devnum === undefined || isDeviceNumber(value.devnum)) &&
    isRecord(value.properties) &&
    Object.values(value.properties).every((property) => typeof property === 'string') &&
    isStringArray(value.tags) &&
    isStringArray(value.symlinks)
  );
}

function isDeviceNumber(value: unknown): boolean {
  return (
    isRecord(value) &&
    (value.type === 'b' || value.type === 'c') &&
    Number.isInteger(value.major) &&
    Number.isInteger(value.minor)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalString = (value: unknown) => value === undefined || typeof value === 'string';

const isStringArray = (value: unknown) =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

function save(file: string, snapshot: Snapshot): void {
  try {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // A snapshot that cannot be written costs only speed.
  }
}

function unlinked({ parent: _parent, ...device }: UdevDatabase['devices'][number]): UnlinkedDevice {
  return device;
}
