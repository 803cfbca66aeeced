import { desktopDevices } from './desktop-devices.js';

/**
 * `count` desktop-like devices (see desktopDevices) as `udevadm info --export-db` prints them
 * (systemd 252 field lines), for `devbinder explain --udev-export`. Needs no root.
 */
export function generateExport(count: number): { text: string; devices: number; nodes: number } {
  const devices = desktopDevices(count);
  const records = devices.map((device) => {
    const { node } = device;
    const lines = [
      `P: ${device.devpath}`,
      `M: ${device.devpath.slice(device.devpath.lastIndexOf('/') + 1)}`,
      `U: ${device.subsystem}`,
    ];
    if (device.devtype) lines.push(`T: ${device.devtype}`);
    if (node) lines.push(`D: ${node.type} ${node.major}:${node.minor}`, `N: ${node.name}`, 'L: 0');
    lines.push(`E: DEVPATH=${device.devpath}`, `E: SUBSYSTEM=${device.subsystem}`);
    if (device.devtype) lines.push(`E: DEVTYPE=${device.devtype}`);
    if (node) {
      lines.push(
        `E: DEVNAME=/dev/${node.name}`,
        `E: MAJOR=${node.major}`,
        `E: MINOR=${node.minor}`,
      );
    }
    for (const [key, value] of Object.entries(device.properties)) lines.push(`E: ${key}=${value}`);
    if (device.tags.length > 0) {
      const tags = `:${device.tags.join(':')}:`;
      lines.push(`E: TAGS=${tags}`, `E: CURRENT_TAGS=${tags}`);
    }
    return `${lines.join('\n')}\n`;
  });
  return {
    text: `${records.join('\n')}\n`,
    devices: devices.length,
    nodes: devices.filter((device) => device.node).length,
  };
}
