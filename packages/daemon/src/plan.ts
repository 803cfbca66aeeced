import type { DeviceNumber } from '@devbinder/udev';
import { allowsEverything, type DeviceRule, grants, hasExactRule } from './cgroup-v1.js';
import type { NodeState } from './container-fs.js';
import type { GivenNode } from './state.js';

/** A node the container should have, as the engine planned it for the hook. */
export interface WantedNode {
  path: string;
  type: 'b' | 'c';
  major: number;
  minor: number;
  /** Permission bits. */
  mode: number;
  uid: number;
  gid: number;
}

/** How a container's device access is decided, and whether the daemon may change it. */
export type Access =
  /** A v1 devices cgroup the daemon writes: rules added and taken back as devices come and go. */
  | { kind: 'writable'; rules: readonly DeviceRule[] }
  /**
   * Access fixed when the container was created: the runtime's cgroup v2 device program, or a v1
   * cgroup the daemon is told never to write (systemd cgroup driver). Only nodes change here.
   */
  | { kind: 'fixed'; grants(device: DeviceNumber): boolean };

/** What a container has now. */
export interface ActualState {
  node(path: string): NodeState;
  access: Access;
}

/** What to do to one container, in this order: revoke, remove, allow, create. */
export interface Changes {
  deny: DeviceNumber[];
  remove: GivenNode[];
  allow: DeviceNumber[];
  /** `replace`: something else is at the path (another device, stale mode or owner): unlink first. */
  create: Array<WantedNode & { replace: boolean }>;
  /**
   * Wanted nodes not made: access is fixed and does not grant them. A node the container may not
   * open misleads programs that enumerate /dev (libftdi crashes on them), so none is made.
   */
  withheld: WantedNode[];
}

export function isEmpty(changes: Changes): boolean {
  return (
    changes.deny.length === 0 &&
    changes.remove.length === 0 &&
    changes.allow.length === 0 &&
    changes.create.length === 0
  );
}

const numberKey = ({ type, major, minor }: DeviceNumber) => `${type} ${major}:${minor}`;

function uniqueNumbers(nodes: readonly DeviceNumber[]): DeviceNumber[] {
  const byKey = new Map<string, DeviceNumber>();
  for (const { type, major, minor } of nodes)
    byKey.set(numberKey({ type, major, minor }), { type, major, minor });
  return [...byKey.values()];
}

/**
 * The difference between what a container should have and what it has. Only what devbinder gave
 * (`given`) is ever taken back, and only when it is still there as given: a node the container
 * replaced, or a rule it never had, is left alone. With `revoke: false` (a selector failed this
 * time, so its silence proves nothing) nothing is taken back.
 */
export function planChanges(
  wanted: readonly WantedNode[],
  given: readonly GivenNode[],
  actual: ActualState,
  options: { revoke: boolean },
): Changes {
  const { access } = actual;
  // Rules to write: none when access is fixed, or the container may use every device anyway.
  const rules =
    access.kind === 'writable' && !allowsEverything(access.rules) ? access.rules : undefined;
  const wantedPaths = new Set(wanted.map(({ path }) => path));
  const wantedNumbers = new Set(wanted.map(numberKey));

  const fixed = access.kind === 'fixed' ? access : undefined;
  const create: Changes['create'] = [];
  const withheld: WantedNode[] = [];
  for (const node of wanted) {
    const replace = nodeChange(node, actual.node(node.path));
    if (replace === undefined) continue;
    if (fixed && !fixed.grants(node)) withheld.push(node);
    else create.push({ ...node, replace });
  }
  // A device the rules already grant gets no write, a pre-authorized major's `b 253:* rwm`
  // included: the grant is there already, and the creation rule is the one a systemd cgroup
  // driver keeps across `daemon-reload`, which rewrites v1 rules and drops the daemon's. (Nor is
  // it denied when it goes: no exact rule of devbinder's is there to take back.)
  const allow = rules ? uniqueNumbers(wanted).filter((device) => !grants(rules, device)) : [];

  if (!options.revoke) return { deny: [], remove: [], allow, create, withheld };

  const remove = given.filter((node) => {
    if (wantedPaths.has(node.path)) return false;
    const now = actual.node(node.path);
    return (
      now.kind === 'device' &&
      now.type === node.type &&
      now.major === node.major &&
      now.minor === node.minor
    );
  });
  const deny = rules
    ? uniqueNumbers(given).filter(
        (device) => !wantedNumbers.has(numberKey(device)) && hasExactRule(rules, device),
      )
    : [];
  return { deny, remove, allow, create, withheld };
}

/**
 * What making `node` takes, given what is at its path: undefined, nothing (it is there as wanted,
 * or a directory is, which is the container's business and never deleted); false, making it; true,
 * unlinking what is there first (another device, a stale mode or owner, a file).
 */
function nodeChange(node: WantedNode, now: NodeState): boolean | undefined {
  if (now.kind === 'missing') return false;
  if (now.kind === 'directory') return undefined;
  const same =
    now.kind === 'device' &&
    now.type === node.type &&
    now.major === node.major &&
    now.minor === node.minor &&
    now.mode === node.mode &&
    now.uid === node.uid &&
    now.gid === node.gid;
  return same ? undefined : true;
}
