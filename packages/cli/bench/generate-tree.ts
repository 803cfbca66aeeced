import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { desktopDevices } from './desktop-devices.js';

/**
 * Writes a udev database of `count` desktop-like devices (see desktopDevices) under `root`:
 * /run/udev/data, /sys and real device nodes in /dev (made with mknod, so this needs root).
 */
export function generateTree(root: string, count: number): { devices: number; nodes: number } {
  const nodes: string[] = [];
  const devices = desktopDevices(count);
  for (const device of devices) {
    const dir = join(root, 'sys', device.devpath);
    mkdirSync(dir, { recursive: true });
    const sysname = device.devpath.slice(device.devpath.lastIndexOf('/') + 1);
    const uevent: string[] = [];
    if (device.devtype) uevent.push(`DEVTYPE=${device.devtype}`);
    let id = `+${device.subsystem}:${sysname}`;
    const { node } = device;
    if (node) {
      uevent.push(`MAJOR=${node.major}`, `MINOR=${node.minor}`, `DEVNAME=${node.name}`);
      id = `${node.type}${node.major}:${node.minor}`;
      const link = join(
        root,
        'sys',
        'dev',
        node.type === 'b' ? 'block' : 'char',
        `${node.major}:${node.minor}`,
      );
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), dir), link);
      const path = join(root, 'dev', node.name);
      nodes.push(
        `mkdir -p ${dirname(path)} && mknod -m 660 ${path} ${node.type} ${node.major} ${node.minor}`,
      );
    }
    writeFileSync(join(dir, 'uevent'), `${uevent.join('\n')}\n`);
    const classDir = join(root, 'sys', 'class', device.subsystem);
    mkdirSync(classDir, { recursive: true });
    symlinkSync(relative(dir, classDir), join(dir, 'subsystem'));
    const db = [
      'I:1000000',
      ...Object.entries(device.properties).map(([key, value]) => `E:${key}=${value}`),
      ...device.tags.flatMap((tag) => [`G:${tag}`, `Q:${tag}`]),
      'V:1',
    ];
    mkdirSync(join(root, 'run', 'udev', 'data'), { recursive: true });
    writeFileSync(join(root, 'run', 'udev', 'data', id), `${db.join('\n')}\n`);
  }
  // On stdin, not as an argument: thousands of nodes exceed the kernel's argument size limit.
  execFileSync('sh', ['-s'], { input: nodes.join('\n') });
  return { devices: devices.length, nodes: nodes.length };
}
