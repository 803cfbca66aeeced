import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';

/** One device of a fake sysfs tree, with its udev database file if udevd "processed" it. */
export interface FakeDevice {
  /** `/devices/…` */
  readonly devpath: string;
  /** Omit for a device on no bus and in no class (`/devices/pci0000:00`). */
  readonly subsystem?: string;
  /** The subsystem is a bus (`/sys/bus/<name>/devices/…`), not a class (`/sys/class/<name>/…`). */
  readonly bus?: boolean;
  /** The `uevent` file; MAJOR/MINOR also make the `/sys/dev/…` link, IFINDEX an `ifindex` file. */
  readonly uevent?: Readonly<Record<string, string>>;
  /** A `/run/udev/data` file: its name (the device id) and content. */
  readonly db?: { readonly id: string; readonly text: string };
}

/**
 * Writes a sysfs + /run/udev/data tree under `root`, shaped like the kernel's: device directories
 * with `uevent` and a relative `subsystem` link, and the relative `/sys/class`, `/sys/bus`,
 * `/sys/dev` and (for block devices) `/sys/block` links into `/sys/devices`. Uses `node:fs`, so
 * under `vi.mock('node:fs')` it writes to memfs.
 */
export function writeFakeTree(root: string, devices: readonly FakeDevice[]): void {
  const at = (path: string) => (root === '/' ? path : root + path);
  const link = (path: string, target: string) => {
    mkdirSync(at(posix.dirname(path)), { recursive: true });
    symlinkSync(posix.relative(posix.dirname(path), target), at(path));
  };
  mkdirSync(at('/run/udev/data'), { recursive: true });
  for (const { devpath, subsystem, bus, uevent = {}, db } of devices) {
    const dir = `/sys${devpath}`;
    const name = posix.basename(devpath);
    mkdirSync(at(dir), { recursive: true });
    writeFileSync(at(`${dir}/uevent`), ueventText(uevent));
    if (subsystem !== undefined) {
      const home = bus ? `/sys/bus/${subsystem}` : `/sys/class/${subsystem}`;
      link(`${dir}/subsystem`, home);
      link(bus ? `${home}/devices/${name}` : `${home}/${name}`, dir);
      if (subsystem === 'block') link(`/sys/block/${name}`, dir);
    }
    if (uevent.MAJOR !== undefined && uevent.MINOR !== undefined) {
      const kind = subsystem === 'block' ? 'block' : 'char';
      link(`/sys/dev/${kind}/${uevent.MAJOR}:${uevent.MINOR}`, dir);
    }
    if (uevent.IFINDEX !== undefined) writeFileSync(at(`${dir}/ifindex`), `${uevent.IFINDEX}\n`);
    if (db !== undefined) writeFileSync(at(`/run/udev/data/${db.id}`), db.text);
  }
}

export function ueventText(properties: Readonly<Record<string, string>>): string {
  return Object.entries(properties)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

/** A `/run/udev/data` file as udevd 252 writes it. */
export function dbText({
  symlinks = [],
  initialized = '4602811',
  properties = {},
  tags = [],
  currentTags = tags,
}: {
  symlinks?: readonly string[];
  initialized?: string;
  properties?: Readonly<Record<string, string>>;
  tags?: readonly string[];
  currentTags?: readonly string[];
}): string {
  return [
    ...symlinks.map((symlink) => `S:${symlink}`),
    `I:${initialized}`,
    ...Object.entries(properties).map(([key, value]) => `E:${key}=${value}`),
    ...tags.map((tag) => `G:${tag}`),
    ...currentTags.map((tag) => `Q:${tag}`),
    'V:1',
    '',
  ].join('\n');
}
