/**
 * The fake hardware of a lab host, as data: what plays each device and what udev should say
 * about it. There is no USB bus or seat hardware on a CI machine, so real block devices (loop,
 * zram) and character devices the kernel already has (a misc device, a virtual console) stand
 * in, and udev rules give them seats, USB identities and symlinks, the properties devbinder's
 * selectors read.
 */

/**
 * What plays the hardware:
 * - `loop` (default): a loop device over a file whose first line is the device's marker;
 * - `zram`: a zram device made with hot_add (a real kernel uevent) holding the marker;
 * - `misc:<kernel name>`, `tty:<kernel name>`: a character device of that class the kernel
 *   already has (`misc:fuse`, the virtual console `tty:tty63`); opened, not read.
 */
export type DeviceKind = 'loop' | 'zram' | `${CharacterClass}:${string}`;

/** The device classes a character device of the lab may come from. */
export type CharacterClass = 'misc' | 'tty';

export interface DeviceSpec {
  kind?: DeviceKind;
  /** `seat0` tags the device "seat" (logind's seat0); any other seat also sets `ID_SEAT`. */
  seat?: string;
  /** `vid:pid` or `vid:pid:serial`, given as `ID_VENDOR_ID`, `ID_MODEL_ID`, `ID_SERIAL_SHORT`. */
  usb?: string;
  /** A udev symlink under /dev, e.g. `serial/by-id/lab-ftdi`. */
  symlink?: string;
}

/** A device as it exists on a lab host. */
export interface LabDevice {
  /** The scenario's name for it. */
  name: string;
  spec: DeviceSpec;
  /** Kernel name: `loop3`, `zram2`, `fuse`. */
  kernel: string;
  subsystem: 'block' | CharacterClass;
  devnode: string;
  sysPath: string;
  type: 'b' | 'c';
  major: number;
  minor: number;
  /** The first line a read of a block device returns; absent for character devices. */
  marker?: string;
  /** Absolute paths of the device's udev symlinks, as udev reports them on the lab host. */
  links: string[];
}

const SEAT = /^seat[a-zA-Z0-9_-]*$/;
const USB = /^([0-9a-f]{4}):([0-9a-f]{4})(?::([A-Za-z0-9._-]+))?$/;
const SYMLINK = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const CHARACTER = /^(misc|tty):([a-z0-9_-]+)$/;

export interface UsbIdentity {
  vendor: string;
  model: string;
  serial?: string;
}

/** Throws naming the device and the field when a spec could not describe a real udev device. */
export function validateSpec(name: string, spec: DeviceSpec): void {
  const problem = (field: string, value: string, expected: string) =>
    new Error(`lab device "${name}": ${field} "${value}" is not ${expected}`);
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`lab device name "${name}": use lowercase letters, digits and "-"`);
  }
  const kind = spec.kind ?? 'loop';
  if (kind !== 'loop' && kind !== 'zram' && !CHARACTER.test(kind)) {
    throw problem('kind', kind, 'loop, zram, misc:<kernel name> or tty:<kernel name>');
  }
  if (spec.seat !== undefined && !SEAT.test(spec.seat)) {
    throw problem('seat', spec.seat, 'a seat name (seat followed by letters, digits, _ or -)');
  }
  if (spec.usb !== undefined && !USB.test(spec.usb)) {
    throw problem('usb', spec.usb, 'vid:pid[:serial] with 4-digit lowercase hex ids');
  }
  if (spec.symlink !== undefined && (!SYMLINK.test(spec.symlink) || spec.symlink.includes('..'))) {
    throw problem('symlink', spec.symlink, 'a relative path under /dev without ".."');
  }
}

export function usbIdentity(usb: string): UsbIdentity {
  const match = USB.exec(usb);
  if (!match) throw new Error(`"${usb}" is not vid:pid[:serial]`);
  const [, vendor = '', model = '', serial] = match;
  return serial === undefined ? { vendor, model } : { vendor, model, serial };
}

/** The class and kernel name of a character device kind (`tty:tty63`); undefined for block kinds. */
export function characterDevice(
  kind: DeviceKind,
): { deviceClass: CharacterClass; kernel: string } | undefined {
  const match = CHARACTER.exec(kind);
  if (!match) return undefined;
  return { deviceClass: match[1] as CharacterClass, kernel: match[2] ?? '' };
}

/** One udev rule per device that has anything to say; matched by subsystem and kernel name. */
export function udevRules(devices: readonly LabDevice[]): string {
  const lines = ['# Written by the devbinder lab: fake seats, USB identities and symlinks.'];
  for (const device of devices) {
    const { seat, usb, symlink } = device.spec;
    const assignments: string[] = [];
    if (seat !== undefined) {
      assignments.push('TAG+="seat"');
      if (seat !== 'seat0') assignments.push(`ENV{ID_SEAT}="${seat}"`);
    }
    if (usb !== undefined) {
      const { vendor, model, serial } = usbIdentity(usb);
      assignments.push(`ENV{ID_VENDOR_ID}="${vendor}"`, `ENV{ID_MODEL_ID}="${model}"`);
      if (serial !== undefined) assignments.push(`ENV{ID_SERIAL_SHORT}="${serial}"`);
    }
    if (symlink !== undefined) assignments.push(`SYMLINK+="${symlink}"`);
    if (assignments.length === 0) continue;
    lines.push(
      [`SUBSYSTEM=="${device.subsystem}"`, `KERNEL=="${device.kernel}"`, ...assignments].join(', '),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The marker a device's first line holds: says which device a read really reached. */
export function markerFor(name: string): string {
  return `devbinder-lab:${name}`;
}
