import { closeSync, existsSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import type { UnlinkedDevice } from './database.js';
import { parseDbFile } from './db-file.js';
import { deviceFromSysfs } from './device-from-sysfs.js';
import { UdevParseError } from './errors.js';
import { parseUevent } from './uevent.js';

/**
 * Errors that mean the file went away under us: devices are removed at any moment, and sysfs then
 * answers ENOENT, ENODEV or ENOTDIR depending on how far the removal got. EINVAL is readlink's
 * answer for a path that is not a symlink.
 */
const GONE = new Set(['ENOENT', 'ENODEV', 'ENOTDIR', 'EINVAL']);

function isGone(error: unknown): boolean {
  return GONE.has((error as NodeJS.ErrnoException).code ?? '');
}

export interface SysfsReaderOptions {
  /** Prefix of every path read (tests point it at a fake tree); never part of the model's paths. */
  readonly root: string;
  readonly warn: (message: string) => void;
}

/**
 * Synchronous sysfs access under a root prefix. Every path given to it is a host path (`/sys/…`);
 * a read returns undefined when the file or its device has vanished, so a device removed while the
 * hook runs is skipped instead of failing the container start.
 *
 * Speed matters (a hook delays every container start) and system calls dominate: on the CI VM
 * readFileSync costs ~12 µs, open/read/close into a reused buffer ~8 µs, and a thrown ENOENT
 * ~20 µs, so expected misses are checked with existsSync (~2.5 µs) instead of caught.
 */
export class SysfsReader {
  private readonly prefix: string;
  private readonly warn: (message: string) => void;
  /** Devices skipped for a malformed file, so an ancestor walk does not retry (and re-warn). */
  private readonly malformed = new Set<string>();
  /** Reused for every read; sysfs attributes fit in a page and database files are small. */
  private buffer: Buffer = Buffer.allocUnsafe(16 * 1024);

  constructor({ root, warn }: SysfsReaderOptions) {
    this.prefix = root.replace(/\/+$/, '');
    this.warn = warn;
  }

  read(path: string): string | undefined {
    let fd: number;
    try {
      fd = openSync(this.prefix + path, 'r');
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
    try {
      let length = 0;
      for (;;) {
        const count = readSync(fd, this.buffer, length, this.buffer.length - length, null);
        length += count;
        // A short read is the end of the file (sysfs serves an attribute in one read; udevd
        // replaces database files by rename), which saves the read that would return 0.
        if (count === 0 || length < this.buffer.length) break;
        this.buffer = grown(this.buffer);
      }
      return this.buffer.toString('utf8', 0, length);
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    } finally {
      closeSync(fd);
    }
  }

  list(path: string): string[] | undefined {
    try {
      return readdirSync(this.prefix + path);
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
  }

  /** Names of the symlinks in a directory (class and bus directories also hold control files). */
  listLinks(path: string): string[] {
    try {
      return readdirSync(this.prefix + path, { withFileTypes: true })
        .filter((entry) => entry.isSymbolicLink())
        .map((entry) => entry.name);
    } catch (error) {
      if (isGone(error)) return [];
      throw error;
    }
  }

  private readLink(path: string): string | undefined {
    try {
      return readlinkSync(this.prefix + path);
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
  }

  /** The devpath a sysfs link points at: `/sys/dev/block/7:0` → `/devices/virtual/block/loop0`. */
  devpathOf(link: string): string | undefined {
    const target = this.readLink(link);
    if (target === undefined) return undefined;
    const resolved = resolveLink(link, target);
    return resolved.startsWith('/sys/devices/') ? resolved.slice('/sys'.length) : undefined;
  }

  /** Basename of the device's `subsystem` link; undefined for devices on no bus and in no class. */
  private subsystemOf(devpath: string): string | undefined {
    const target = this.readLink(`/sys${devpath}/subsystem`);
    return target === undefined ? undefined : target.slice(target.lastIndexOf('/') + 1);
  }

  /**
   * Reads one device: its database file when it has one (a `/run/udev/data` path), its `uevent`,
   * and its `subsystem` link unless the caller knows the subsystem. Undefined when the device has
   * vanished or the directory is no device (no `uevent` file); a malformed file is reported
   * through `warn` and the device skipped rather than guessed at.
   */
  loadDevice(
    devpath: string,
    subsystem: string | undefined,
    dbPath: string | undefined,
  ): UnlinkedDevice | undefined {
    if (this.malformed.has(devpath)) return undefined;
    const dbText = dbPath === undefined ? undefined : this.read(dbPath);
    if (dbPath !== undefined && dbText === undefined) return undefined;
    const ueventPath = `/sys${devpath}/uevent`;
    const ueventText = this.read(ueventPath);
    if (ueventText === undefined) return undefined;
    try {
      return deviceFromSysfs({
        devpath,
        subsystem: subsystem ?? this.subsystemOf(devpath),
        uevent: parseUevent(ueventText, this.prefix + ueventPath),
        db:
          dbPath === undefined || dbText === undefined
            ? undefined
            : parseDbFile(dbText, this.prefix + dbPath),
      });
    } catch (error) {
      if (!(error instanceof UdevParseError)) throw error;
      this.malformed.add(devpath);
      this.warn(`skipping ${devpath}: ${error.message}`);
      return undefined;
    }
  }

  /**
   * Adds every ancestor device of the given devices (a directory with a `uevent` file, up to
   * `/sys/devices`), even one udevd keeps no database file for: selectors walk the parent chain
   * (seat tags and USB ids sit on parents). This is the directory walk sd_device_get_parent does.
   */
  addAncestors(devices: Map<string, UnlinkedDevice>): void {
    const walked = new Set<string>();
    for (const devpath of [...devices.keys()]) {
      walked.add(devpath);
      for (let dir = parentDir(devpath); dir !== '/devices'; dir = parentDir(dir)) {
        if (walked.has(dir)) break;
        walked.add(dir);
        if (devices.has(dir) || !existsSync(`${this.prefix}/sys${dir}/uevent`)) continue;
        const ancestor = this.loadDevice(dir, undefined, undefined);
        if (ancestor !== undefined) devices.set(dir, ancestor);
      }
    }
  }
}

function grown(buffer: Buffer): Buffer {
  const larger = Buffer.allocUnsafe(buffer.length * 2);
  buffer.copy(larger);
  return larger;
}

function parentDir(devpath: string): string {
  return devpath.slice(0, devpath.lastIndexOf('/'));
}

/**
 * Resolves a symlink's target against the link's directory. Sysfs links are relative
 * (`../../devices/…`); an absolute target counts from the root prefix, like everything else.
 */
function resolveLink(link: string, target: string): string {
  if (target.startsWith('/')) return target;
  const parts = link.split('/');
  parts.pop();
  for (const part of target.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}
