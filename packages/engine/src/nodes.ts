import type { LinuxDevice } from '@devbinder/oci';
import type { UdevDevice } from '@devbinder/udev';
import type { SelectedDevice } from './selection.js';

/**
 * Reads a device's node (`device.devnode`) as a `linux.devices` entry at `containerPath`;
 * undefined when it is gone.
 */
export type StatNode = (
  device: UdevDevice,
  devnode: string,
  containerPath: string,
) => LinuxDevice | undefined;

export interface PlannedNode {
  node: LinuxDevice;
  device: UdevDevice;
  /** A udev symlink exposed as a node of the same device. */
  symlink: boolean;
}

export interface NodePlan {
  nodes: PlannedNode[];
  /** Selected devices whose node could not be used, and why (they vanished, or changed identity). */
  skipped: Array<{ device: UdevDevice; reason: string }>;
}

/**
 * Turns selected devices into nodes for the container: the device node itself and, on request,
 * each udev symlink as a node with the same numbers (the OCI spec has no symlinks; a node at the
 * link's path opens the same device). A node whose numbers no longer match udev's record belongs
 * to a different device now (replugged between enumeration and stat) and is skipped.
 */
export function planNodes(
  selected: readonly SelectedDevice[],
  options: { symlinks: boolean },
  stat: StatNode,
): NodePlan {
  const nodes: PlannedNode[] = [];
  const skipped: NodePlan['skipped'] = [];
  for (const { device } of selected) {
    const devnode = device.devnode;
    if (devnode === undefined) continue;
    const node = stat(device, devnode, devnode);
    if (!node) {
      skipped.push({ device, reason: `${devnode} is gone (device removed while the hook ran)` });
      continue;
    }
    const { devnum } = device;
    if (
      devnum &&
      (devnum.type !== node.type || devnum.major !== node.major || devnum.minor !== node.minor)
    ) {
      skipped.push({
        device,
        reason: `${devnode} is ${node.type} ${node.major}:${node.minor} now, not ${devnum.type} ${devnum.major}:${devnum.minor} as udev recorded`,
      });
      continue;
    }
    nodes.push({ node, device, symlink: false });
    if (options.symlinks) {
      for (const link of device.symlinks)
        nodes.push({ node: { ...node, path: link }, device, symlink: true });
    }
  }
  return { nodes, skipped };
}
