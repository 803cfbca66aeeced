import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceNumber } from '@devbinder/udev';

/** One line of a v1 `devices.list`: `b 253:1 rwm`, `c 136:* rwm`, `a *:* rwm`. */
export interface DeviceRule {
  type: 'a' | 'b' | 'c';
  /** undefined is the wildcard `*`. */
  major: number | undefined;
  minor: number | undefined;
  access: string;
}

export class CgroupError extends Error {
  override name = 'CgroupError';
}

/** Where a process sits in the cgroup hierarchies, from `/proc/<pid>/cgroup`. */
export interface ProcessCgroups {
  /** Path in the v1 `devices` hierarchy, when there is one (cgroup v1 or hybrid). */
  devices: string | undefined;
  /** Path in the unified (v2) hierarchy. */
  unified: string | undefined;
}

/** Parses `/proc/<pid>/cgroup`: `5:devices:/libpod_parent/libpod-…`, `0::/…`. */
export function parseProcCgroup(text: string, origin: string): ProcessCgroups {
  let devices: string | undefined;
  let unified: string | undefined;
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first <= 0 || second === -1) {
      throw new CgroupError(`${origin}:${index + 1}: expected ID:CONTROLLERS:PATH, got ${line}`);
    }
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (controllers === '') unified = path;
    else if (controllers.split(',').includes('devices')) devices = path;
  }
  return { devices, unified };
}

/** Parses a v1 `devices.list`. */
export function parseDevicesList(text: string, origin: string): DeviceRule[] {
  const rules: DeviceRule[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const match = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line);
    if (!match) {
      throw new CgroupError(
        `${origin}:${index + 1}: expected "TYPE MAJOR:MINOR ACCESS", got ${line}`,
      );
    }
    const [, type, major, minor, access = ''] = match;
    rules.push({
      type: type as DeviceRule['type'],
      major: major === '*' ? undefined : Number(major),
      minor: minor === '*' ? undefined : Number(minor),
      access,
    });
  }
  return rules;
}

/** The whole list is one `a *:* rwm` rule: the cgroup allows every device (a privileged container). */
export function allowsEverything(rules: readonly DeviceRule[]): boolean {
  return rules.some(
    (rule) =>
      rule.type === 'a' &&
      rule.major === undefined &&
      rule.minor === undefined &&
      hasAccess(rule, 'rwm'),
  );
}

/**
 * Whether the rules let a process use the device with `access`. The kernel grants an access only
 * when one exception covers all of it, so rules are not combined.
 */
export function grants(
  rules: readonly DeviceRule[],
  device: DeviceNumber,
  access = 'rwm',
): boolean {
  return rules.some(
    (rule) =>
      (rule.type === 'a' || rule.type === device.type) &&
      (rule.major === undefined || rule.major === device.major) &&
      (rule.minor === undefined || rule.minor === device.minor) &&
      hasAccess(rule, access),
  );
}

/** The rule for exactly this device, as `devices.allow` wrote it (not a wildcard that covers it). */
export function hasExactRule(rules: readonly DeviceRule[], device: DeviceNumber): boolean {
  return rules.some(
    (rule) =>
      rule.type === device.type && rule.major === device.major && rule.minor === device.minor,
  );
}

function hasAccess(rule: DeviceRule, access: string): boolean {
  return [...access].every((letter) => rule.access.includes(letter));
}

export function ruleText(device: DeviceNumber, access = 'rwm'): string {
  return `${device.type} ${device.major}:${device.minor} ${access}`;
}

/**
 * Where this process sees the v1 devices hierarchy: the mount point, and the cgroup the mount is
 * rooted at. A process's cgroup path (`/proc/<pid>/cgroup`) counts from the hierarchy's root, so a
 * mount rooted elsewhere (the daemon in a container sharing the host's cgroup namespace) needs the
 * root cut off before the path means anything under the mount point.
 */
export interface DevicesHierarchy {
  mountPoint: string;
  root: string;
}

/** Finds the v1 devices hierarchy in `/proc/self/mountinfo` text; undefined on a pure v2 host. */
export function parseDevicesHierarchy(mountinfo: string): DevicesHierarchy | undefined {
  for (const line of mountinfo.split('\n')) {
    const [mountFields, fsFields] = line.split(' - ');
    if (!mountFields || !fsFields) continue;
    const [fstype, , superOptions = ''] = fsFields.split(' ');
    if (fstype !== 'cgroup' || !superOptions.split(',').includes('devices')) continue;
    const fields = mountFields.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root !== undefined && mountPoint !== undefined) {
      return { root: unescapeMountField(root), mountPoint: unescapeMountField(mountPoint) };
    }
  }
  return undefined;
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

export function findDevicesHierarchy(): DevicesHierarchy | undefined {
  return parseDevicesHierarchy(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/**
 * A container's v1 devices cgroup. Writes go straight to the kernel: `devices.allow` adds an
 * exception, `devices.deny` removes the exact one (runc, Podman and crun treat the v1 list the
 * same way). A container that exits takes its cgroup with it: ENOENT/ENODEV then mean "gone".
 */
export class DevicesCgroupV1 {
  constructor(readonly dir: string) {}

  /** The cgroup at `path` (as `/proc/<pid>/cgroup` gives it) in the hierarchy as mounted here. */
  static at(hierarchy: DevicesHierarchy, path: string): DevicesCgroupV1 {
    const root = hierarchy.root === '/' ? '' : hierarchy.root;
    if (root !== '' && path !== root && !path.startsWith(`${root}/`)) {
      throw new CgroupError(
        `cgroup ${path} is outside the devices hierarchy mounted at ${hierarchy.mountPoint} (rooted at ${hierarchy.root})`,
      );
    }
    return new DevicesCgroupV1(join(hierarchy.mountPoint, path.slice(root.length)));
  }

  rules(): DeviceRule[] {
    const file = join(this.dir, 'devices.list');
    return parseDevicesList(readFileSync(file, 'utf8'), file);
  }

  allow(device: DeviceNumber): void {
    writeFileSync(join(this.dir, 'devices.allow'), ruleText(device));
  }

  deny(device: DeviceNumber): void {
    writeFileSync(join(this.dir, 'devices.deny'), ruleText(device));
  }
}
