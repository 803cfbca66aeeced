import type { SelectorRunner } from '@devbinder/engine';
import { compileGlob } from '@devbinder/plugin-sdk';
import type { UdevDatabase, UdevDevice } from '@devbinder/udev';

/**
 * The benchmark's four selections written directly against the database, as built-in TypeScript
 * would be: no offer, no JSON, no sandbox. Only what explain.bench.ts asks; the bench checks that
 * they choose the same devices as the plugins.
 */
export const directRunner: SelectorRunner = {
  async select(selector, argument, db) {
    const choose = DIRECT[selector];
    if (!choose) throw new Error(`no direct ${selector}`);
    const chosen = [];
    for (const device of db.devices) {
      if (device.devnode === undefined) continue;
      const reason = choose(argument, device, db);
      if (reason !== undefined) chosen.push({ device, reason });
    }
    return chosen;
  },
};

type Choose = (argument: string, device: UdevDevice, db: UdevDatabase) => string | undefined;

const lineage = (device: UdevDevice, db: UdevDatabase) => [device, ...db.ancestorsOf(device)];

const DIRECT: Record<string, Choose> = {
  seat(seat, device, db) {
    const chain = lineage(device, db);
    const assigned = chain.find((candidate) => candidate.properties.ID_SEAT)?.properties.ID_SEAT;
    if ((assigned ?? 'seat0') !== seat) return undefined;
    if (seat !== 'seat0') return `ID_SEAT=${seat}`;
    return chain.some((candidate) => candidate.tags.includes('seat')) ? 'tag "seat"' : undefined;
  },
  subsystem(argument, device) {
    const [subsystem, glob = '*'] = argument.split(':');
    return device.subsystem === subsystem && compileGlob(glob)(device.sysname)
      ? `subsystem ${subsystem}`
      : undefined;
  },
  usb(argument, device, db) {
    const [vendor, product] = argument.split(':');
    const owner = lineage(device, db).find(
      (candidate) =>
        candidate.properties.ID_VENDOR_ID === vendor &&
        candidate.properties.ID_MODEL_ID === product,
    );
    return owner ? `USB ${argument}` : undefined;
  },
  match(_argument, device, db) {
    // SUBSYSTEM=="input",KERNEL=="event*",PARENT{ID_INPUT_KEYBOARD}=="1"
    if (device.subsystem !== 'input' || !device.sysname.startsWith('event')) return undefined;
    return db.ancestorsOf(device).some((ancestor) => ancestor.properties.ID_INPUT_KEYBOARD === '1')
      ? 'matches'
      : undefined;
  },
};
