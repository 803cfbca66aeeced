import { quote, UdevParseError } from './errors.js';

/**
 * Parses a sysfs `uevent` file: the kernel's `KEY=value` lines for the device, in file order.
 * Values are kept verbatim (`DEVNAME=loop0` stays relative; device-from-sysfs.ts applies udev's
 * rules to them).
 */
export function parseUevent(text: string, origin = 'uevent'): Record<string, string> {
  const properties: Record<string, string> = {};
  // Index arithmetic instead of split(): the live reader parses two small files per device,
  // mostly before V8 has optimized anything, and allocations show there.
  let lineNumber = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    lineNumber++;
    if (end > start) {
      const equals = text.indexOf('=', start);
      if (equals <= start || equals > end) {
        const line = text.slice(start, end);
        throw new UdevParseError(origin, lineNumber, `malformed line ${quote(line)}`);
      }
      properties[text.slice(start, equals)] = text.slice(equals + 1, end);
    }
    start = end + 1;
  }
  return properties;
}
