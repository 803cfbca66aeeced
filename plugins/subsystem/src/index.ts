import { ArgumentError, defineSelector, globToRegExp } from '@devbinder/plugin-sdk/guest';

interface Wanted {
  subsystem: string;
  /** Kernel-name glob as written, for reasons. */
  glob: string | undefined;
  kernel: RegExp | undefined;
}

const SUBSYSTEM = /^[A-Za-z0-9_.-]+$/;

/** `sound`, `tty:ttyUSB*,tty:ttyACM*`: comma-separated items, each a subsystem and an optional glob. */
function parse(argument: string): Wanted[] {
  const items: Wanted[] = [];
  let column = 1;
  for (const item of argument.split(',')) {
    const colon = item.indexOf(':');
    const subsystem = (colon === -1 ? item : item.slice(0, colon)).trim();
    const glob = colon === -1 ? undefined : item.slice(colon + 1).trim();
    if (!SUBSYSTEM.test(subsystem)) {
      throw new ArgumentError(
        subsystem === ''
          ? 'expected a subsystem name (e.g. sound, tty, block)'
          : `"${subsystem}" is not a subsystem name: use letters, digits, "_", "." and "-"`,
        column,
      );
    }
    if (glob === '')
      throw new ArgumentError(
        `expected a kernel-name glob after "${subsystem}:"`,
        column + colon + 1,
      );
    items.push({ subsystem, glob, kernel: glob === undefined ? undefined : globToRegExp(glob) });
    column += item.length + 1;
  }
  return items;
}

export const { interest, select } = defineSelector({
  parse,

  interest: (wanted) => ({
    filters: [...new Set(wanted.map(({ subsystem }) => subsystem))].map((subsystem) => ({
      subsystem,
      hasNode: true,
    })),
    properties: [],
  }),

  *select(wanted, devices) {
    for (const device of devices) {
      if (!device.devnode) continue;
      const item = wanted.find(
        ({ subsystem, kernel }) =>
          device.subsystem === subsystem && (!kernel || kernel.test(device.sysname)),
      );
      if (item) {
        yield {
          device,
          reason:
            item.glob === undefined
              ? `subsystem ${item.subsystem}`
              : `subsystem ${item.subsystem}, kernel name matches ${item.glob}`,
        };
      }
    }
  },
});
