import { statSync } from 'node:fs';
import type { LinuxDevice } from './config.js';

/**
 * Reads a device node's type, numbers, mode and owner from the host. Returns undefined when the
 * node is gone or is not a device: devices vanish between enumeration and stat (unplugged, or a
 * zram/loop device removed), and that must cost one device, never the container.
 *
 * `containerPath` lets a node be exposed under another name (a udev symlink such as
 * /dev/disk/by-id/…), with the numbers of the real node.
 */
export function statDeviceNode(
  hostPath: string,
  containerPath = hostPath,
): LinuxDevice | undefined {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(hostPath);
  } catch {
    return undefined;
  }
  const type = info.isBlockDevice()
    ? 'b'
    : info.isCharacterDevice()
      ? 'c'
      : info.isFIFO()
        ? 'p'
        : undefined;
  if (!type) return undefined;
  const rdev = Number(info.rdev);
  return {
    path: containerPath,
    type,
    major: deviceMajor(rdev),
    minor: deviceMinor(rdev),
    fileMode: Number(info.mode) & 0o7777,
    uid: Number(info.uid),
    gid: Number(info.gid),
  };
}

/** glibc's encoding of dev_t (gnu_dev_major / gnu_dev_minor). */
export function deviceMajor(rdev: number): number {
  return Number(((BigInt(rdev) >> 32n) & 0xfffff000n) | ((BigInt(rdev) >> 8n) & 0xfffn));
}

export function deviceMinor(rdev: number): number {
  return Number(((BigInt(rdev) >> 12n) & 0xffffff00n) | (BigInt(rdev) & 0xffn));
}
