import {
  ArgumentError,
  defineSelector,
  globToRegExp,
  splitItems,
} from '@devbinder/plugin-sdk/guest';

interface Wanted {
  subsystem: string;
  /** Kernel-name glob as written, for reasons. */
  glob: string | undefined;
  kernel: RegExp | undefined;
}

const SUBSYSTEM = /^[A-Za-z0-9_.-]+$/;

/**
 * `sound`, `tty:ttyUSB*,tty:ttyACM*`: items separated by `,` or `;`, each a subsystem and an
 * optional glob.
 */
function parse(argument: string): Wanted[] {
  return splitItems(argument).map(({ text, column }) => {
    const colon = text.indexOf(':');
    const subsystem = (colon === -1 ? text : text.slice(0, colon)).trim();
    const glob = colon === -1 ? undefined : text.slice(colon + 1).trim();
    if (!SUBSYSTEM.test(subsystem)) {
      throw new ArgumentError(
        subsystem === ''
          ? 'expected a subsystem name (e.g. sound, tty, block)'
          : `"${subsystem}" is not a subsystem name: use letters, digits, "_", "." and "-"`,
        column,
      );
    }
    if (glob === '') {
      throw new ArgumentError(
        `expected a kernel-name glob after "${subsystem}:"`,
        column + colon + 1,
      );
    }
    return { subsystem, glob, kernel: glob === undefined ? undefined : globToRegExp(glob) };
  });
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
