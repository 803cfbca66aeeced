import type { UnlinkedDevice } from './database.js';
import type { SysfsReader } from './sysfs-reader.js';

/**
 * Every device sysfs lists, found the way sd-device's enumerator finds them: the symlinks
 * `/sys/class/<class>/<name>`, `/sys/bus/<bus>/devices/<name>` and `/sys/block/<name>` (kernels
 * without a block class) into `/sys/devices`, plus their ancestors. Used when there is no udev
 * database: no udev tags, properties or symlinks, only what the kernel tells.
 */
export function readSysfsDevices(reader: SysfsReader): UnlinkedDevice[] {
  const subsystems = new Map<string, string>();
  const note = (link: string, subsystem: string) => {
    const devpath = reader.devpathOf(link);
    if (devpath !== undefined && !subsystems.has(devpath)) subsystems.set(devpath, subsystem);
  };
  for (const subsystem of reader.list('/sys/class') ?? []) {
    for (const name of reader.listLinks(`/sys/class/${subsystem}`)) {
      note(`/sys/class/${subsystem}/${name}`, subsystem);
    }
  }
  for (const bus of reader.list('/sys/bus') ?? []) {
    for (const name of reader.listLinks(`/sys/bus/${bus}/devices`)) {
      note(`/sys/bus/${bus}/devices/${name}`, bus);
    }
  }
  for (const name of reader.listLinks('/sys/block')) note(`/sys/block/${name}`, 'block');

  const devices = new Map<string, UnlinkedDevice>();
  for (const [devpath, subsystem] of subsystems) {
    const device = reader.loadDevice(devpath, subsystem, undefined);
    if (device !== undefined) devices.set(devpath, device);
  }
  reader.addAncestors(devices);
  return [...devices.values()];
}
