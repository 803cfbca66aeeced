import {
  compileGlob,
  type GlobMatcher,
  type WireDevice,
  type WireDeviceFilter,
  type WireInterest,
} from '@devbinder/plugin-sdk';
import type { UdevDatabase, UdevDevice } from '@devbinder/udev';

/** The devices handed to one plugin call: the JSON it sees and what each index stands for. */
export interface Offer {
  json: string;
  devices: readonly UdevDevice[];
}

/**
 * Builds the host-side pre-filter a plugin asked for: matching devices, plus their ancestors and
 * descendants on request, with only the properties it reads. Shrinking the JSON is what keeps a
 * plugin call cheap: lifting and parsing cost grows with every byte.
 */
export function buildOffer(db: UdevDatabase, interest: WireInterest): Offer {
  const filters = interest.filters.map(compileFilter);
  const matching =
    filters.length === 0
      ? db.devices
      : db.devices.filter((device) => filters.some((filter) => filter(device)));
  const chosen = new Set<UdevDevice>(matching);
  if (interest.ancestors) {
    for (const device of matching)
      for (const ancestor of db.ancestorsOf(device)) chosen.add(ancestor);
  }
  if (interest.descendants) {
    // Parents come before children in database order: one pass finds every subtree.
    const below = new Set(matching.map((device) => device.devpath));
    for (const device of db.devices) {
      if (device.parent !== undefined && below.has(device.parent)) {
        below.add(device.devpath);
        chosen.add(device);
      }
    }
  }
  // Database order puts parents before children, so a parent's index is known when a child is encoded.
  const devices = db.devices.filter((device) => chosen.has(device));
  const index = new Map(devices.map((device, position) => [device.devpath, position]));
  const pick = projection(interest.properties);
  const wire = devices.map((device): WireDevice => {
    // Empty and absent fields stay out: the guest's decoder supplies them, and every byte costs.
    const record: WireDevice = { syspath: device.syspath, sysname: device.sysname };
    const properties = pick(device.properties);
    if (properties !== undefined) record.properties = properties;
    if (device.tags.length > 0) record.tags = [...device.tags];
    if (device.symlinks.length > 0) record.symlinks = [...device.symlinks];
    if (device.subsystem !== undefined) record.subsystem = device.subsystem;
    if (device.devtype !== undefined) record.devtype = device.devtype;
    if (device.driver !== undefined) record.driver = device.driver;
    if (device.devnode !== undefined) record.devnode = device.devnode;
    const parent = device.parent === undefined ? undefined : index.get(device.parent);
    if (parent !== undefined) record.parent = parent;
    return record;
  });
  return { json: JSON.stringify(wire), devices };
}

type DeviceTest = (device: UdevDevice) => boolean;

/** A filter as one test; its globs are compiled once per offer, not once per device. */
function compileFilter(filter: WireDeviceFilter): DeviceTest {
  const tests: DeviceTest[] = [];
  if (filter.hasNode) tests.push((device) => device.devnode !== undefined);
  const field = (pattern: string | undefined, read: (device: UdevDevice) => string | undefined) => {
    if (pattern === undefined) return;
    const glob: GlobMatcher = compileGlob(pattern);
    tests.push((device) => {
      const value = read(device);
      return value !== undefined && glob(value);
    });
  };
  field(filter.subsystem, (device) => device.subsystem);
  field(filter.devtype, (device) => device.devtype);
  field(filter.sysname, (device) => device.sysname);
  if (filter.property !== undefined) {
    const [name, pattern] = filter.property;
    field(pattern, (device) => propertyOf(device.properties, name));
  }
  if (filter.tag !== undefined) {
    const glob = compileGlob(filter.tag);
    tests.push((device) => device.tags.some(glob));
  }
  return (device) => tests.every((test) => test(device));
}

/** The properties to send: all, the named ones, or none at all (undefined: left out of the JSON). */
function projection(
  names: readonly string[] | undefined,
): (properties: Readonly<Record<string, string>>) => Record<string, string> | undefined {
  if (names === undefined) {
    return (properties) => {
      for (const _ in properties) return properties;
      return undefined;
    };
  }
  return (properties) => {
    let picked: Record<string, string> | undefined;
    for (const name of names) {
      const value = propertyOf(properties, name);
      if (value !== undefined) {
        picked ??= {};
        picked[name] = value;
      }
    }
    return picked;
  };
}

function propertyOf(
  properties: Readonly<Record<string, string>>,
  name: string,
): string | undefined {
  return Object.hasOwn(properties, name) ? properties[name] : undefined;
}
