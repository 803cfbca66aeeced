import { createDatabase } from './database.js';
import type { UdevDatabase, UdevDevice } from './model.js';

/** The fields a test states about a device; the rest default to empty. */
export type DeviceFixture = Partial<Omit<UdevDevice, 'devpath' | 'syspath' | 'sysname' | 'parent'>>;

/**
 * A database from devpaths and the few fields each test cares about: for unit tests of selectors,
 * the engine and plugins, where a real capture would hide what the test is about. Parents are
 * linked as in any database: by the nearest devpath prefix present.
 *
 *   fixtureDatabase({
 *     '/devices/usb1/1-1': { subsystem: 'usb', tags: ['seat'] },
 *     '/devices/usb1/1-1/input/input3/event3': { subsystem: 'input', devnode: '/dev/input/event3' },
 *   })
 */
export function fixtureDatabase(devices: Readonly<Record<string, DeviceFixture>>): UdevDatabase {
  return createDatabase(
    'export',
    Object.entries(devices).map(([devpath, fixture]) => ({
      devpath,
      syspath: `/sys${devpath}`,
      sysname: devpath.slice(devpath.lastIndexOf('/') + 1),
      subsystem: fixture.subsystem,
      devtype: fixture.devtype,
      driver: fixture.driver,
      devnode: fixture.devnode,
      devnum: fixture.devnum,
      properties: fixture.properties ?? {},
      tags: fixture.tags ?? [],
      symlinks: fixture.symlinks ?? [],
    })),
  );
}
