import { quote, UdevParseError } from './errors.js';

/**
 * One `/run/udev/data/<id>` file as udevd writes it: `X:value` lines, no space after the colon.
 * The format is private to udevd; this follows systemd's sd-device reader (v247+, database
 * version 1) and still reads version 0 files.
 */
export interface UdevDbFile {
  /** `S:` symlinks, made absolute (`disk/by-id/x` → `/dev/disk/by-id/x`), in file order. */
  readonly symlinks: readonly string[];
  /**
   * `E:` properties set by udev rules, in file order. sd-device treats an empty value as "unset"
   * (it removes the key, even one that came from the kernel); device-from-sysfs.ts applies that.
   */
  readonly properties: Readonly<Record<string, string>>;
  /** `G:` tags: every tag set since the device appeared (sticky across events). */
  readonly tags: readonly string[];
  /** `Q:` tags set by the most recent event. */
  readonly currentTags: readonly string[];
  /** `I:` CLOCK_MONOTONIC microseconds when udev first processed the device, as written. */
  readonly usecInitialized: string | undefined;
  /** `V:` database format version; 0 when absent (written before systemd 247: no `Q:` lines). */
  readonly version: number;
}

const DECIMAL = /^\d+$/;

/**
 * Parses one udev database file. Lines udevd may add in future versions (unknown keys) and the
 * keys this package has no use for (`L:` link priority, `W:` watch handle) are skipped.
 */
export function parseDbFile(text: string, origin: string): UdevDbFile {
  const symlinks: string[] = [];
  const properties: Record<string, string> = {};
  const tags: string[] = [];
  const currentTags: string[] = [];
  let usecInitialized: string | undefined;
  let version = 0;

  // Index arithmetic instead of split(): see uevent.ts.
  let lineNumber = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    lineNumber++;
    if (end > start) {
      const key = text[start];
      if (text[start + 1] !== ':') {
        throw malformed(origin, lineNumber, 'line', text.slice(start, end));
      }
      const value = text.slice(start + 2, end);
      switch (key) {
        case 'S':
          symlinks.push(`/dev/${value}`);
          break;
        case 'E': {
          const equals = value.indexOf('=');
          if (equals < 1) throw malformed(origin, lineNumber, 'E: line', value);
          properties[value.slice(0, equals)] = value.slice(equals + 1);
          break;
        }
        case 'G':
          tags.push(value);
          break;
        case 'Q':
          currentTags.push(value);
          break;
        case 'I':
          if (!DECIMAL.test(value)) throw malformed(origin, lineNumber, 'I: line', value);
          usecInitialized = value;
          break;
        case 'V':
          if (!DECIMAL.test(value)) throw malformed(origin, lineNumber, 'V: line', value);
          version = Number(value);
          break;
      }
    }
    start = end + 1;
  }
  return { symlinks, properties, tags, currentTags, usecInitialized, version };
}

function malformed(origin: string, line: number, what: string, text: string): UdevParseError {
  return new UdevParseError(origin, line, `malformed ${what} ${quote(text)}`);
}
