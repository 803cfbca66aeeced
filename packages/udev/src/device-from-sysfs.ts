import type { UnlinkedDevice } from './database.js';
import type { UdevDbFile } from './db-file.js';
import { deviceNumberOf, devnodeOf, sysnameOf, tagListOf } from './device-fields.js';
import type { DeviceNumber } from './model.js';

/**
 * What a reader found for one device: its place in sysfs, its kernel `uevent` and, when udevd has
 * processed it, its database file.
 */
export interface SysfsDeviceSources {
  readonly devpath: string;
  /** Basename of the `subsystem` link; undefined for devices on no bus and in no class. */
  readonly subsystem: string | undefined;
  readonly uevent: Readonly<Record<string, string>>;
  readonly db: UdevDbFile | undefined;
}

/**
 * Builds a device the way sd-device (and so `udevadm info`) sees it, in udevadm's property order:
 *
 * 1. DEVPATH, SUBSYSTEM;
 * 2. the kernel uevent lines, DEVNAME made absolute, MAJOR/MINOR moved after them (and dropped
 *    with a zero major);
 * 3. from the db file: USEC_INITIALIZED (`I:`), then the `E:` properties (an empty value unsets);
 * 4. DEVLINKS (`S:` space-separated), TAGS (`G:` and `Q:`), CURRENT_TAGS (`Q:`), each only if
 *    non-empty.
 *
 * A device without a subsystem gets no properties at all: sd-device cannot form its database id,
 * gives up on properties, and `udevadm info` prints none for it.
 */
export function deviceFromSysfs({
  devpath,
  subsystem,
  uevent,
  db,
}: SysfsDeviceSources): UnlinkedDevice {
  const devnum = deviceNumberOf(subsystem, uevent.MAJOR, uevent.MINOR);
  const devnode = uevent.DEVNAME === undefined ? undefined : devnodeOf(uevent.DEVNAME);
  // Before database version 1 udevd wrote no current tags; sd-device then takes all as current.
  const tags = db === undefined ? [] : db.version >= 1 ? db.currentTags : db.tags;
  return {
    devpath,
    syspath: `/sys${devpath}`,
    sysname: sysnameOf(devpath),
    subsystem,
    devtype: uevent.DEVTYPE,
    driver: uevent.DRIVER,
    devnode,
    devnum,
    properties: subsystem === undefined ? {} : propertiesOf(devpath, subsystem, uevent, db, devnum),
    tags,
    symlinks: db?.symlinks ?? [],
  };
}

function propertiesOf(
  devpath: string,
  subsystem: string,
  uevent: Readonly<Record<string, string>>,
  db: UdevDbFile | undefined,
  devnum: DeviceNumber | undefined,
): Record<string, string> {
  const properties: Record<string, string> = { DEVPATH: devpath, SUBSYSTEM: subsystem };
  for (const key in uevent) {
    if (key === 'MAJOR' || key === 'MINOR') continue;
    const value = uevent[key] as string;
    properties[key] = key === 'DEVNAME' ? devnodeOf(value) : value;
  }
  const { MAJOR: major, MINOR: minor } = uevent;
  if (devnum !== undefined && major !== undefined) {
    properties.MAJOR = major;
    if (minor !== undefined) properties.MINOR = minor;
  }
  if (db === undefined) return properties;

  if (db.usecInitialized !== undefined) properties.USEC_INITIALIZED = db.usecInitialized;
  for (const key in db.properties) {
    const value = db.properties[key] as string;
    if (value === '') delete properties[key];
    else properties[key] = value;
  }
  if (db.symlinks.length > 0) properties.DEVLINKS = db.symlinks.join(' ');
  // A `Q:` tag is also one of all tags: sd-device adds it to both sets.
  const allTags = [...db.tags, ...db.currentTags.filter((tag) => !db.tags.includes(tag))];
  if (allTags.length > 0) properties.TAGS = tagListOf(allTags);
  if (db.currentTags.length > 0) properties.CURRENT_TAGS = tagListOf(db.currentTags);
  return properties;
}
