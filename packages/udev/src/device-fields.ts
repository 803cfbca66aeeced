import type { DeviceNumber } from './model.js';

// Field derivations shared by every reader, following systemd's sd-device
// (src/libsystemd/sd-device).

/** udev's sysname: the last devpath component, with the kernel's `!` standing for `/`. */
export function sysnameOf(devpath: string): string {
  return devpath.slice(devpath.lastIndexOf('/') + 1).replaceAll('!', '/');
}

const DECIMAL = /^\d+$/;

/**
 * The device number from the kernel's MAJOR/MINOR strings. sd-device ignores a missing, malformed
 * or zero major (no MAJOR/MINOR properties, no device number), and so does this. Block devices are
 * those of subsystem `block`, the rule `udevadm info` prints `D: b …` by.
 */
export function deviceNumberOf(
  subsystem: string | undefined,
  major: string | undefined,
  minor: string | undefined,
): DeviceNumber | undefined {
  if (major === undefined || !DECIMAL.test(major) || Number(major) === 0) return undefined;
  if (minor !== undefined && !DECIMAL.test(minor)) return undefined;
  return {
    type: subsystem === 'block' ? 'b' : 'c',
    major: Number(major),
    minor: Number(minor ?? 0),
  };
}

/** udev's DEVNAME: the kernel's name made absolute (`loop0` → `/dev/loop0`). */
export function devnodeOf(devname: string): string {
  return devname.startsWith('/') ? devname : `/dev/${devname}`;
}

/** The tags of a TAGS or CURRENT_TAGS value (`:seat:uaccess:`). */
export function tagsOf(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(':').filter((tag) => tag !== '');
}

/** udev's TAGS/CURRENT_TAGS format: `:a:b:`. */
export function tagListOf(tags: readonly string[]): string {
  return `:${tags.join(':')}:`;
}
