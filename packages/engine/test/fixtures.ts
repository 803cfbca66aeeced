import { createDatabase, type UdevDatabase, type UdevDevice } from '@devbinder/udev';

type Spec = Partial<Omit<UdevDevice, 'devpath' | 'syspath' | 'parent'>>;

/** A database from devpaths and the few fields a test cares about. */
export function database(devices: Record<string, Spec>): UdevDatabase {
  return createDatabase(
    'export',
    Object.entries(devices).map(([devpath, spec]) => ({
      devpath,
      syspath: `/sys${devpath}`,
      sysname: devpath.slice(devpath.lastIndexOf('/') + 1),
      subsystem: spec.subsystem,
      devtype: spec.devtype,
      driver: spec.driver,
      devnode: spec.devnode,
      devnum: spec.devnum,
      properties: spec.properties ?? {},
      tags: spec.tags ?? [],
      symlinks: spec.symlinks ?? [],
    })),
  );
}
