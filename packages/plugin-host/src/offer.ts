import {
  compileGlob,
  type GlobMatcher,
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
    // Devices whose every ancestor is chosen: a walk up the tree stops at the first one.
    const complete = new Set<UdevDevice>();
    for (const device of matching) {
      const path = [device];
      let ancestor = db.parentOf(device);
      for (; ancestor && !complete.has(ancestor); ancestor = db.parentOf(ancestor)) {
        chosen.add(ancestor);
        path.push(ancestor);
      }
      for (const walked of path) complete.add(walked);
    }
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
  // Database order puts parents before children: a parent is encoded before its children are.
  const devices = db.devices.filter((device) => chosen.has(device));
  const positions = new Map<UdevDevice, number>();
  const pick = projection(interest.properties);
  const records: string[] = [];
  for (const [position, device] of devices.entries()) {
    positions.set(device, position);
    records.push(encode(device, pick(device.properties), offeredAncestor(db, device, positions)));
  }
  return { json: `[${records.join(',')}]`, devices };
}

/** The nearest ancestor that is in the offer, with its position there. */
function offeredAncestor(
  db: UdevDatabase,
  device: UdevDevice,
  positions: ReadonlyMap<UdevDevice, number>,
): { device: UdevDevice; position: number } | undefined {
  for (let ancestor = db.parentOf(device); ancestor; ancestor = db.parentOf(ancestor)) {
    const position = positions.get(ancestor);
    if (position !== undefined) return { device: ancestor, position };
  }
  return undefined;
}

/**
 * One WireDevice as JSON text, written directly: building objects to stringify them cost twice
 * as much. Empty and absent fields stay out (the guest's decoder supplies them), and below an
 * offered ancestor the syspath is relative to it, a third of the bytes: every byte costs the
 * guest, which parses in an interpreter.
 */
function encode(
  device: UdevDevice,
  properties: Record<string, string> | undefined,
  parent: { device: UdevDevice; position: number } | undefined,
): string {
  const prefix = parent ? `${parent.device.syspath}/` : undefined;
  const linked = prefix !== undefined && device.syspath.startsWith(prefix);
  const syspath = linked ? device.syspath.slice(prefix.length) : device.syspath;
  let out = `{"syspath":${JSON.stringify(syspath)}${fixedFields(device)}`;
  if (properties !== undefined) out += `,"properties":${JSON.stringify(properties)}`;
  if (linked) out += `,"parent":${parent?.position}`;
  return `${out}}`;
}

const encodedFields = new WeakMap<UdevDevice, string>();

/** The fields every offer writes alike, encoded once per device: a hook offers to several plugins. */
function fixedFields(device: UdevDevice): string {
  let out = encodedFields.get(device);
  if (out !== undefined) return out;
  out = `,"sysname":${JSON.stringify(device.sysname)}`;
  if (device.subsystem !== undefined) out += `,"subsystem":${JSON.stringify(device.subsystem)}`;
  if (device.devtype !== undefined) out += `,"devtype":${JSON.stringify(device.devtype)}`;
  if (device.driver !== undefined) out += `,"driver":${JSON.stringify(device.driver)}`;
  if (device.devnode !== undefined) out += `,"devnode":${JSON.stringify(device.devnode)}`;
  if (device.tags.length > 0) out += `,"tags":${JSON.stringify(device.tags)}`;
  if (device.symlinks.length > 0) out += `,"symlinks":${JSON.stringify(device.symlinks)}`;
  encodedFields.set(device, out);
  return out;
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
