import {
  decideBinding,
  HOTPLUG_MAJORS_ANNOTATION,
  NAMESPACE,
  type Problem,
  parseAnnotations,
  requestsDevices,
  type SelectorRunner,
  type StatNode,
} from '@devbinder/engine';
import type { DeviceNumber, UdevDatabase } from '@devbinder/udev';
import type { WantedNode } from './plan.js';

/** What the engine decided for one set of annotations. */
export interface Decision {
  nodes: WantedNode[];
  /** Selectors that failed (deadline, crash, bad argument): their silence proves nothing. */
  failedSelectors: string[];
  /** What the engine reported (the hook prints these); policy does not stop a running container. */
  problems: Problem[];
}

/** Managed: asks for devices and has not opted out with `io.dev-binder.hotplug=false`. */
export function isManaged(annotations: Readonly<Record<string, string>>): boolean {
  return requestsDevices(annotations) && parseAnnotations(annotations).request.hotplug;
}

/** Containers with the same devbinder annotations get the same devices: decide once for them. */
export function decisionKey(annotations: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.entries(annotations)
      .filter(([key]) => key.startsWith(NAMESPACE))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/**
 * The devices a running container should have: the engine's decision, exactly as the hook makes
 * it at creation (same annotations, selectors, node planning and host stat), with nodes that
 * cgroups can govern (block and character devices), one per path.
 */
export async function decide(
  annotations: Readonly<Record<string, string>>,
  db: UdevDatabase,
  runner: SelectorRunner,
  stat: StatNode,
): Promise<Decision> {
  const failed = new Set<string>();
  const binding = await decideBinding(annotations, {
    readDatabase: () => db,
    runner: {
      async select(selector, argument, database) {
        try {
          return await runner.select(selector, argument, database);
        } catch (error) {
          failed.add(selector);
          throw error;
        }
      },
    },
    stat,
  });
  const nodes = new Map<string, WantedNode>();
  for (const { node } of binding.plan.nodes) {
    if ((node.type !== 'b' && node.type !== 'c') || nodes.has(node.path)) continue;
    nodes.set(node.path, {
      path: node.path,
      type: node.type,
      major: node.major,
      minor: node.minor,
      mode: node.fileMode,
      uid: node.uid,
      gid: node.gid,
    });
  }
  return {
    nodes: [...nodes.values()],
    failedSelectors: [...failed],
    problems: binding.selection.problems,
  };
}

/**
 * Why a node whose access is fixed at creation was not made, and what would let it be: the major
 * listed in `io.dev-binder.hotplug.majors` (which takes effect when the container is created), or,
 * when it is listed already, the hook missing at creation.
 */
export function notPreauthorized(
  device: DeviceNumber,
  annotations: Readonly<Record<string, string>>,
): string {
  const item = `${device.type}:${device.major}`;
  const listed = parseAnnotations(annotations).request.hotplugMajors.some(
    ({ type, major }) => type === device.type && major === device.major,
  );
  return listed
    ? `not pre-authorized: ${HOTPLUG_MAJORS_ANNOTATION} lists ${item}, but the rules the container was created with do not allow it (was it created without the devbinder hook?)`
    : `not pre-authorized: add ${item} to ${HOTPLUG_MAJORS_ANNOTATION} (applies when the container is created)`;
}
