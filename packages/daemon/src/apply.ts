import { readFileSync } from 'node:fs';
import type { DeviceNumber } from '@devbinder/udev';
import { type HostHasDevice, staleCreationDevices } from './adopt.js';
import { DevicesCgroupV1, ruleText } from './cgroup-v1.js';
import {
  ContainerGone,
  ContainerProcess,
  type DevTree,
  meansGone,
  type NodeMaker,
  type NodeToMake,
} from './container-fs.js';
import { type Changes, isEmpty, planChanges, type WantedNode } from './plan.js';
import type { ContainerInfo } from './podman.js';
import type { GivenNode, StateStore } from './state.js';

/** One container and what it should have now. */
export interface Target {
  container: ContainerInfo;
  wanted: WantedNode[];
  /** False when a selector failed this time: add what is chosen, take nothing back. */
  revoke: boolean;
}

export type Outcome =
  | { id: string; status: 'applied'; changes: Changes; given: GivenNode[]; problems: string[] }
  | { id: string; status: 'gone' }
  | { id: string; status: 'skipped'; reason: string }
  | { id: string; status: 'failed'; reason: string };

export interface ApplierOptions {
  store: StateStore;
  nodeMaker: NodeMaker;
  /** Where the v1 devices hierarchy is mounted. */
  devicesMount: string;
  hostHas: HostHasDevice;
  /** Checked before state is written: a container that died meanwhile must leave no file behind. */
  stillManaged(id: string): boolean;
}

/** A container being changed: what phase one opened and decided, for phase two. */
interface Work {
  target: Target;
  process: ContainerProcess;
  dev: DevTree;
  given: GivenNode[];
  /** What the state file said before this pass (undefined: no file for this run). */
  recorded: GivenNode[] | undefined;
  changes: Changes;
  problems: string[];
  made: Array<{ node: WantedNode; request: NodeToMake }>;
}

/**
 * Brings containers to their wanted device nodes and cgroup rules. Phase one works through each
 * container synchronously (read what it has, record the intent, revoke, remove, allow, prepare
 * directories); then the mknod shell makes every new node of every container in one batch; phase two sets owners,
 * checks and records the result. Any step may find the container gone: it is then dropped with
 * its state file, never retried against a pid that may belong to someone else by now.
 */
export class Applier {
  constructor(private readonly options: ApplierOptions) {}

  async apply(targets: readonly Target[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const work: Work[] = [];
    for (const target of targets) {
      const started = this.begin(target);
      if ('status' in started) outcomes.push(started);
      else work.push(started);
    }
    const requests = work.flatMap(({ made }) => made.map(({ request }) => request));
    const mknodErrors = await this.options.nodeMaker.make(requests);
    for (const item of work) outcomes.push(this.finish(item, mknodErrors));
    return outcomes;
  }

  private begin(target: Target): Work | Outcome {
    const { id, pid } = target.container;
    let process: ContainerProcess | undefined;
    let dev: DevTree | undefined;
    try {
      process = ContainerProcess.open(pid, id);
      if (process.userNamespaced()) {
        throw new Skip(
          'the container has a user namespace: nodes made from the host could not be opened in it',
        );
      }
      const cgroupPath = process.cgroups.devices;
      if (cgroupPath === undefined) {
        throw new Skip(
          'no v1 devices cgroup (cgroup v2): granting access there is not implemented',
        );
      }
      const cgroup = DevicesCgroupV1.at(this.options.devicesMount, cgroupPath);
      dev = process.openDev();
      const recorded = this.recorded(target.container);
      const given = recorded ?? this.stale(target.container, target.wanted);
      const rules = cgroup.rules();
      const tree = dev;
      const changes = planChanges(
        target.wanted,
        given,
        { node: (path) => tree.lookup(path), rules },
        { revoke: target.revoke },
      );
      const problems: string[] = [];
      const made: Work['made'] = [];
      if (!isEmpty(changes)) {
        // Everything that may be given once this is done: a daemon killed half-way re-checks it.
        this.record(target.container, merge(given, target.wanted));
        for (const device of changes.deny) cgroup.deny(device);
        for (const node of changes.remove) tree.unlink(node.path);
        for (const device of changes.allow) cgroup.allow(device);
        for (const node of changes.create) {
          try {
            if (node.replace) tree.unlink(node.path);
            made.push({
              node,
              request: { ...tree.prepare(node.path), device: node, mode: node.mode },
            });
          } catch (error) {
            if (meansGone(error)) throw error;
            problems.push(`${node.path}: ${(error as Error).message}`);
          }
        }
      }
      return { target, process, dev, given, recorded, changes, problems, made };
    } catch (error) {
      dev?.close();
      process?.close();
      return this.failed(target, error);
    }
  }

  private finish(item: Work, mknodErrors: string): Outcome {
    const { target, process, dev, changes, problems } = item;
    try {
      for (const { node } of item.made) {
        const now = dev.lookup(node.path);
        if (now.kind !== 'device' || now.major !== node.major || now.minor !== node.minor) {
          problems.push(`${node.path}: not created${mknodErrors ? ` (${mknodErrors})` : ''}`);
          continue;
        }
        if (now.uid !== node.uid || now.gid !== node.gid) dev.chown(node.path, node.uid, node.gid);
      }
      const given = this.result(item);
      if (!isEmpty(changes) || JSON.stringify(item.recorded) !== JSON.stringify(given)) {
        this.record(target.container, given);
      }
      return { id: target.container.id, status: 'applied', changes, given, problems };
    } catch (error) {
      return this.failed(target, error);
    } finally {
      dev.close();
      process.close();
    }
  }

  /** What the container holds from devbinder after the changes: checked, not assumed. */
  private result({ target, dev, given }: Work): GivenNode[] {
    const held: GivenNode[] = [];
    for (const node of merge(given, target.wanted)) {
      const now = dev.lookup(node.path);
      if (
        now.kind === 'device' &&
        now.type === node.type &&
        now.major === node.major &&
        now.minor === node.minor
      ) {
        held.push(node);
      }
    }
    return held;
  }

  /** The state file's record for this run of the container. */
  private recorded(container: ContainerInfo): GivenNode[] | undefined {
    const state = this.options.store.read(container.id);
    return state && state.startedAt === container.startedAt ? state.nodes : undefined;
  }

  /** On first meeting a run of a container: its stale creation devices, to take back. */
  private stale(container: ContainerInfo, wanted: readonly WantedNode[]): GivenNode[] {
    if (container.ociConfigPath === undefined) return [];
    let text: string;
    try {
      text = readFileSync(container.ociConfigPath, 'utf8');
    } catch (error) {
      if (meansGone(error)) throw new ContainerGone(`${container.ociConfigPath} is gone`);
      throw error;
    }
    const wantedPaths = new Set(wanted.map(({ path }) => path));
    return staleCreationDevices(text, container.ociConfigPath, this.options.hostHas).filter(
      ({ path }) => !wantedPaths.has(path),
    );
  }

  private record(container: ContainerInfo, nodes: GivenNode[]): void {
    if (!this.options.stillManaged(container.id)) return;
    this.options.store.write({ id: container.id, startedAt: container.startedAt, nodes });
  }

  private failed(target: Target, error: unknown): Outcome {
    const { id } = target.container;
    if (error instanceof Skip) return { id, status: 'skipped', reason: error.message };
    if (error instanceof ContainerGone || meansGone(error)) {
      this.options.store.delete(id);
      return { id, status: 'gone' };
    }
    // Anything else (an unsafe /dev, EPERM from the cgroup) costs this container this pass only.
    return { id, status: 'failed', reason: (error as Error).message };
  }
}

class Skip extends Error {}

function merge(given: readonly GivenNode[], wanted: readonly WantedNode[]): GivenNode[] {
  const byPath = new Map<string, GivenNode>();
  for (const { path, type, major, minor } of [...given, ...wanted]) {
    byPath.set(path, { path, type, major, minor });
  }
  return [...byPath.values()];
}

export function describeChanges(changes: Changes): string[] {
  const rule = (device: DeviceNumber) => ruleText(device);
  return [
    ...changes.deny.map((device) => `deny ${rule(device)}`),
    ...changes.remove.map((node) => `remove ${node.path}`),
    ...changes.allow.map((device) => `allow ${rule(device)}`),
    ...changes.create.map((node) => `${node.replace ? 'replace' : 'create'} ${node.path}`),
  ];
}
