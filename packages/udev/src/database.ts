import type { DatabaseSource, UdevDatabase, UdevDevice } from './model.js';

/** A device as a reader produces it; the database works out `parent`. */
export type UnlinkedDevice = Omit<UdevDevice, 'parent'>;

/**
 * Builds the database every reader returns: devices sorted by devpath (a parent's devpath is a
 * prefix of its children's, so plain code-unit order puts parents first), each linked to its
 * nearest ancestor present in the set, with map-backed lookups.
 *
 * Throws on a duplicate devpath: readers guarantee uniqueness, so a duplicate is a bug.
 */
export function createDatabase(
  source: DatabaseSource,
  unlinked: Iterable<UnlinkedDevice>,
): UdevDatabase {
  const sorted = [...unlinked].sort(byDevpath);
  const present = new Set<string>();
  for (const device of sorted) {
    if (present.has(device.devpath)) throw new Error(`duplicate device ${device.devpath}`);
    present.add(device.devpath);
  }

  const byPath = new Map<string, UdevDevice>();
  const devices = sorted.map((device) => {
    const linked = withParent(device, nearestAncestor(device.devpath, present));
    byPath.set(linked.devpath, linked);
    return linked;
  });

  const get = (devpath: string) => byPath.get(devpath);
  const parentOf = (device: UdevDevice) =>
    device.parent === undefined ? undefined : byPath.get(device.parent);

  return {
    source,
    devices,
    get,
    parentOf,
    ancestorsOf(device) {
      const ancestors: UdevDevice[] = [];
      for (let parent = parentOf(device); parent !== undefined; parent = parentOf(parent)) {
        ancestors.push(parent);
      }
      return ancestors;
    },
  };
}

/** Spelled out: `{ ...device, parent }` was the builder's main cost, ~3 µs a device. */
function withParent(device: UnlinkedDevice, parent: string | undefined): UdevDevice {
  return {
    devpath: device.devpath,
    syspath: device.syspath,
    sysname: device.sysname,
    subsystem: device.subsystem,
    devtype: device.devtype,
    driver: device.driver,
    devnode: device.devnode,
    devnum: device.devnum,
    properties: device.properties,
    tags: device.tags,
    symlinks: device.symlinks,
    parent,
  };
}

function byDevpath(a: UnlinkedDevice, b: UnlinkedDevice): number {
  if (a.devpath < b.devpath) return -1;
  return a.devpath > b.devpath ? 1 : 0;
}

function nearestAncestor(devpath: string, present: ReadonlySet<string>): string | undefined {
  for (let end = devpath.lastIndexOf('/'); end > 0; end = devpath.lastIndexOf('/', end - 1)) {
    const candidate = devpath.slice(0, end);
    if (present.has(candidate)) return candidate;
  }
  return undefined;
}
