import type { UnlinkedDevice } from './database.js';
import type { SysfsReader } from './sysfs-reader.js';

/** Where a database file's device lives in sysfs. */
interface Location {
  readonly devpath: string;
  /** Known from the file name, or undefined: read the device's `subsystem` link. */
  readonly subsystem: string | undefined;
}

const DEVICE_NUMBER = /^\d+:\d+$/;

/**
 * The devices udevd keeps a database file for. File names in `/run/udev/data` are sd-device's
 * device ids: `b7:0`, `c189:1` (device number: found through `/sys/dev/block|char`), `n3`
 * (network interface index), `+pci:0000:00:14.0` (subsystem and sysname, for devices without a
 * number). Other names are skipped: udevd's temporary `.#…` files, and `+drivers:…`/`+module:…`
 * entries, which are not devices under `/sys/devices`. So is a file whose device has vanished.
 */
export function readUdevDataDevices(
  reader: SysfsReader,
  names: readonly string[],
): Map<string, UnlinkedDevice> {
  const locator = new Locator(reader);
  const devices = new Map<string, UnlinkedDevice>();
  for (const name of names) {
    const location = locator.locate(name);
    if (location === undefined || devices.has(location.devpath)) continue;
    const device = reader.loadDevice(
      location.devpath,
      location.subsystem,
      `/run/udev/data/${name}`,
    );
    if (device !== undefined) devices.set(device.devpath, device);
  }
  return devices;
}

class Locator {
  private buses: ReadonlySet<string> | undefined;
  private interfaces: ReadonlyMap<string, string> | undefined;

  constructor(private readonly reader: SysfsReader) {}

  locate(name: string): Location | undefined {
    const kind = name[0];
    const rest = name.slice(1);
    if ((kind === 'b' || kind === 'c') && DEVICE_NUMBER.test(rest)) {
      const block = kind === 'b';
      return this.at(`/sys/dev/${block ? 'block' : 'char'}/${rest}`, block ? 'block' : undefined);
    }
    if (kind === 'n') {
      const iface = this.interfaceNames().get(rest);
      return iface === undefined ? undefined : this.at(`/sys/class/net/${iface}`, 'net');
    }
    if (kind === '+') {
      const colon = rest.indexOf(':');
      if (colon < 1) return undefined;
      const subsystem = rest.slice(0, colon);
      const sysname = rest.slice(colon + 1);
      // sd-device looks a subsystem up as a bus first, then as a class.
      const link = this.busNames().has(subsystem)
        ? `/sys/bus/${subsystem}/devices/${sysname}`
        : `/sys/class/${subsystem}/${sysname}`;
      return this.at(link, subsystem);
    }
    return undefined;
  }

  private at(link: string, subsystem: string | undefined): Location | undefined {
    const devpath = this.reader.devpathOf(link);
    return devpath === undefined ? undefined : { devpath, subsystem };
  }

  private busNames(): ReadonlySet<string> {
    this.buses ??= new Set(this.reader.list('/sys/bus') ?? []);
    return this.buses;
  }

  /** Interface name by ifindex, read once and only if a network device has a database file. */
  private interfaceNames(): ReadonlyMap<string, string> {
    if (this.interfaces === undefined) {
      const byIndex = new Map<string, string>();
      for (const iface of this.reader.listLinks('/sys/class/net')) {
        const ifindex = this.reader.read(`/sys/class/net/${iface}/ifindex`)?.trim();
        if (ifindex !== undefined) byIndex.set(ifindex, iface);
      }
      this.interfaces = byIndex;
    }
    return this.interfaces;
  }
}
