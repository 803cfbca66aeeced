import { ArgumentError, type Device, defineSelector } from '@devbinder/plugin-sdk/guest';

/** sd-login(3): seat names are "seat" followed by letters, digits, "_" and "-". */
const SEAT_NAME = /^seat[A-Za-z0-9_-]*$/;
const DEFAULT_SEAT = 'seat0';

/**
 * The seat a device is on: its own ID_SEAT, else the nearest ancestor's (udev normally copies
 * ID_SEAT from parent to child, but rules that set it on a parent after the child appeared leave
 * the child without it), else seat0.
 */
function seatOf(device: Device): { seat: string; from: Device | undefined } {
  for (const candidate of device.lineage()) {
    const seat = candidate.property('ID_SEAT');
    if (seat) return { seat, from: candidate };
  }
  return { seat: DEFAULT_SEAT, from: undefined };
}

/** systemd tags the originating device ("seat"), not child nodes such as eventN or controlC0. */
function seatTagged(device: Device): Device | undefined {
  return device.lineage().find((candidate) => candidate.hasTag('seat'));
}

function describe(device: Device, from: Device | undefined, what: string): string {
  if (!from) return what;
  return from === device ? what : `${what} (from ${from.sysname})`;
}

export const { interest, select } = defineSelector({
  parse(argument) {
    const seat = argument.trim();
    if (!SEAT_NAME.test(seat)) {
      const column = seat.startsWith('seat') ? 5 : 1;
      throw new ArgumentError(
        `"${argument}" is not a seat name: expected "seat" followed by letters, digits, "_" or "-" (e.g. seat0)`,
        column,
      );
    }
    return seat;
  },

  /**
   * Only what can be on the seat: for seat0, seat-tagged devices with what lies below them; for
   * another seat, devices assigned to it with what lies below them (a child inherits the seat).
   * Ancestors come along so that the nearest ID_SEAT up the chain is seen.
   */
  interest: (seat) => ({
    filters: [seat === DEFAULT_SEAT ? { tag: 'seat' } : { property: ['ID_SEAT', seat] as const }],
    ancestors: true,
    descendants: true,
    properties: ['ID_SEAT'],
  }),

  *select(seat, devices) {
    for (const device of devices) {
      if (!device.devnode) continue;
      const assigned = seatOf(device);
      if (assigned.seat !== seat) continue;
      if (seat !== DEFAULT_SEAT) {
        yield { device, reason: describe(device, assigned.from, `ID_SEAT=${seat}`) };
        continue;
      }
      const tagged = seatTagged(device);
      if (tagged) {
        yield { device, reason: describe(device, tagged, 'tag "seat", no other seat assigned') };
      }
    }
  },
});
