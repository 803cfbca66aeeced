import type { WireDevice, WireDeviceFilter, WireInterest } from '@devbinder/plugin-sdk';
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
  const matching =
    interest.filters.length === 0
      ? db.devices
      : db.devices.filter((device) => interest.filters.some((filter) => matches(device, filter)));
  const chosen = new Set<UdevDevice>(matching);
  if (interest.ancestors) {
    for (const device of matching)
      for (const ancestor of db.ancestorsOf(device)) chosen.add(ancestor);
  }
  if (interest.descendants) {
    const roots = new Set(matching.map((device) => device.devpath));
    for (const device of db.devices) {
      if (chosen.has(device)) continue;
      if (db.ancestorsOf(device).some((ancestor) => roots.has(ancestor.devpath)))
        chosen.add(device);
    }
  }
  // Database order puts parents before children, so a parent's index is known when a child is encoded.
  const devices = db.devices.filter((device) => chosen.has(device));
  const index = new Map(devices.map((device, position) => [device.devpath, position]));
  const pick = projection(interest.properties);
  const wire = devices.map((device): WireDevice => {
    const record: WireDevice = {
      syspath: device.syspath,
      sysname: device.sysname,
      properties: pick(device.properties),
      tags: [...device.tags],
      symlinks: [...device.symlinks],
    };
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

function matches(device: UdevDevice, filter: WireDeviceFilter): boolean {
  if (filter.hasNode && device.devnode === undefined) return false;
  if (filter.subsystem !== undefined && device.subsystem !== filter.subsystem) return false;
  if (filter.devtype !== undefined && device.devtype !== filter.devtype) return false;
  if (filter.tag !== undefined && !device.tags.includes(filter.tag)) return false;
  if (filter.property !== undefined) {
    const [name, value] = filter.property;
    if (propertyOf(device.properties, name) !== value) return false;
  }
  return true;
}

function projection(
  names: readonly string[] | undefined,
): (properties: Readonly<Record<string, string>>) => Record<string, string> {
  if (names === undefined) return (properties) => ({ ...properties });
  return (properties) => {
    const picked: Record<string, string> = {};
    for (const name of names) {
      const value = propertyOf(properties, name);
      if (value !== undefined) picked[name] = value;
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
