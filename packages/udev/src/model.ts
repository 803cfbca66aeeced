/** A device number: block or character, major and minor. */
export interface DeviceNumber {
  readonly type: 'b' | 'c';
  readonly major: number;
  readonly minor: number;
}

/**
 * One device as udev knows it. The same shape comes from every reader
 * (live database, sysfs-only fallback, `udevadm info --export-db` text).
 */
export interface UdevDevice {
  /** udev's DEVPATH, relative to the sysfs mount: `/devices/virtual/block/loop0`. */
  readonly devpath: string;
  /** `/sys` + devpath, as udev prints it. Never carries a `--root` test prefix. */
  readonly syspath: string;
  /** Kernel name (udev's sysname): `loop0`, `ttyUSB0`, `1-1`. */
  readonly sysname: string;
  readonly subsystem: string | undefined;
  readonly devtype: string | undefined;
  readonly driver: string | undefined;
  /** Absolute device node path (`/dev/loop0`), when the device has one. */
  readonly devnode: string | undefined;
  readonly devnum: DeviceNumber | undefined;
  /** Every property `udevadm info` shows for the device (kernel uevent and udev-added). */
  readonly properties: Readonly<Record<string, string>>;
  /** Current udev tags (systemd's `Q:`/CURRENT_TAGS; `G:`/TAGS where current tags are unknown). */
  readonly tags: readonly string[];
  /** Absolute paths of the device's udev symlinks (`/dev/disk/by-id/…`). */
  readonly symlinks: readonly string[];
  /** devpath of the parent device, if the device has one. */
  readonly parent: string | undefined;
}

/** Where a database came from; explains gaps (a sysfs-only database has no tags or udev properties). */
export type DatabaseSource = 'udev' | 'sysfs' | 'export';

export interface UdevDatabase {
  readonly source: DatabaseSource;
  /** All devices, sorted by devpath, parents before children. */
  readonly devices: readonly UdevDevice[];
  get(devpath: string): UdevDevice | undefined;
  parentOf(device: UdevDevice): UdevDevice | undefined;
  /** Parent first, root last. */
  ancestorsOf(device: UdevDevice): UdevDevice[];
}
