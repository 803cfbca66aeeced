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

/** What a container has now. */
export interface ActualState {
  node(path: string): NodeState;
  /** The v1 device cgroup's rules; undefined when there is no v1 devices cgroup to manage. */
  rules: readonly DeviceRule[] | undefined;
}

/** What to do to one container, in this order: revoke, remove, allow, create. */
export interface Changes {
  deny: DeviceNumber[];
  remove: GivenNode[];
  allow: DeviceNumber[];
  /** `replace`: something else is at the path (another device, stale mode or owner): unlink first. */
  create: Array<WantedNode & { replace: boolean }>;
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
  const rules = actual.rules;
  const manageRules = rules !== undefined && !allowsEverything(rules);
  const wantedPaths = new Set(wanted.map(({ path }) => path));
  const wantedNumbers = new Set(wanted.map(numberKey));

  const create = wanted.flatMap((node) => {
    const now = actual.node(node.path);
    if (now.kind === 'missing') return [{ ...node, replace: false }];
    // A directory there is the container's business; never delete one.
    if (now.kind === 'directory') return [];
    if (
      now.kind === 'device' &&
      now.type === node.type &&
      now.major === node.major &&
      now.minor === node.minor &&
      now.mode === node.mode &&
      now.uid === node.uid &&
      now.gid === node.gid
    ) {
      return [];
    }
    return [{ ...node, replace: true }];
  });
  const allow = manageRules ? uniqueNumbers(wanted).filter((device) => !grants(rules, device)) : [];

  if (!options.revoke) return { deny: [], remove: [], allow, create };

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
  const deny = manageRules
    ? uniqueNumbers(given).filter(
        (device) => !wantedNumbers.has(numberKey(device)) && hasExactRule(rules, device),
      )
    : [];
  return { deny, remove, allow, create };
}
