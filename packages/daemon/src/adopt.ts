import { existsSync } from 'node:fs';
import { type JsonObject, parseRuntimeConfig, statDeviceNode } from '@devbinder/oci';
import type { DeviceNumber } from '@devbinder/udev';
import type { GivenNode } from './state.js';

/** Whether the host still has this device: a sysfs entry for its numbers, or its node at `path`. */
export type HostHasDevice = (device: DeviceNumber, path: string) => boolean;

export const hostHasDevice: HostHasDevice = (device, path) => {
  const kind = device.type === 'b' ? 'block' : 'char';
  if (existsSync(`/sys/dev/${kind}/${device.major}:${device.minor}`)) return true;
  const node = statDeviceNode(path);
  return (
    node !== undefined &&
    node.type === device.type &&
    node.major === device.major &&
    node.minor === device.minor
  );
};

/**
 * What to take back from a container run the daemon has no record of (it started while no daemon
 * ran): the devices its runtime config gave it at creation (the hook's and any `--device`) whose
 * device the host no longer has. Those are stale: a device that comes later may get the same
 * numbers. Devices still present are left alone, as a user's `--device` must be; the ones the
 * selectors still choose are managed from now on anyway.
 */
export function staleCreationDevices(
  configText: string,
  origin: string,
  hostHas: HostHasDevice,
): GivenNode[] {
  const config = parseRuntimeConfig(configText, origin);
  const linux = config.document.linux as JsonObject | undefined;
  const devices = Array.isArray(linux?.devices) ? linux.devices : [];
  const stale: GivenNode[] = [];
  for (const entry of devices as JsonObject[]) {
    const type = entry.type;
    // parseRuntimeConfig checked `path`; numbers may be lossless-json numbers, which convert.
    const major = Number(entry.major);
    const minor = Number(entry.minor);
    if ((type !== 'b' && type !== 'c') || !Number.isInteger(major) || !Number.isInteger(minor)) {
      continue;
    }
    const node = { path: entry.path as string, type, major, minor } as const;
    if (!hostHas(node, node.path)) stale.push(node);
  }
  return stale;
}
