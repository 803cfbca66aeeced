import { readFileSync } from 'node:fs';
import { type DeviceCgroupRule, parseRuntimeConfig, rulesAllow } from '@devbinder/oci';
import type { DeviceNumber } from '@devbinder/udev';
import { type HostHasDevice, staleCreationDevices } from './adopt.js';
import { DevicesCgroupV1, type DevicesHierarchy, ruleText } from './cgroup-v1.js';
import {
  ContainerGone,
  ContainerProcess,
  type DevTree,
  meansGone,
  type NodeMaker,
  type NodeToMake,
} from './container-fs.js';
import { type Access, type Changes, isEmpty, planChanges, type WantedNode } from './plan.js';
import type { ContainerInfo } from './podman.js';
import type { GivenNode, StateStore } from './state.js';

/** One container and what it should have now. */
export interface Target {
  container: ContainerInfo;
  wanted: WantedNode[];
  /** False when a selector failed this time: add what is chosen, take nothing back. */
  revoke: boolean;
  /**
   * What this run of the container holds from devbinder, as the last pass left it; undefined on
   * first meeting (then the state file says, or the container's creation config).
   */
  given: GivenNode[] | undefined;
}

/**
 * `write` (the default): a v1 devices cgroup gets `devices.allow`/`devices.deny` writes; a v2
 * container's access is what it was created with. `preauthorized-only`: every container's access
 * is what it was created with, v1 too (for the systemd cgroup driver, whose `daemon-reload`
 * rewrites v1 rules and would drop the daemon's).
 */
export type CgroupAccessMode = 'write' | 'preauthorized-only';

/**
 * How one container's access is handled: `v1-rules`, written by the daemon; `creation-rules`, the
 * `linux.resources.devices` of its creation config, which the runtime compiled (v2's device
 * program) or wrote (v1) and the daemon never changes: only devices they grant get nodes.
 */
export type AccessHandling = 'v1-rules' | 'creation-rules';

export type Outcome =
  | {
      id: string;
      status: 'applied';
      access: AccessHandling;
      changes: Changes;
      given: GivenNode[];
      problems: string[];
    }
  | { id: string; status: 'gone' }
  | { id: string; status: 'skipped'; reason: string }
  | { id: string; status: 'failed'; reason: string };

export interface ApplierOptions {
  store: StateStore;
  nodeMaker: NodeMaker;
  /** Where the v1 devices hierarchy is mounted here; undefined when there is none (pure v2). */
  devicesHierarchy: DevicesHierarchy | undefined;
  cgroupAccess: CgroupAccessMode;
  hostHas: HostHasDevice;
  /** Checked before state is written: a container that died meanwhile must leave no file behind. */
  stillManaged(id: string): boolean;
}

/** Where a container's device access is read, and written when the daemon may. */
type AccessSource =
  | { kind: 'v1-rules'; cgroup: DevicesCgroupV1 }
  | { kind: 'creation-rules'; rules: readonly DeviceCgroupRule[] };

/** What a container's process tells once: kept while the container runs. */
interface Handle {
  process: ContainerProcess;
  access: AccessSource;
}

/** A container being changed: what phase one opened and decided, for phase two. */
interface Work {
  target: Target;
  access: AccessSource;
  dev: DevTree;
  given: GivenNode[];
  changes: Changes;
  problems: string[];
  made: Array<{ node: WantedNode; request: NodeToMake }>;
}

/**
 * Brings containers to their wanted device nodes and cgroup rules, all containers of a pass
 * together: read what each has and plan; record the intent of all in one write; revoke, remove,
 * allow and prepare directories in each; one tar run makes every new node of every container,
 * owners and modes set; check each and record the result in one more write. Any step may find the container gone: it is then
 * dropped with its state file, never retried against a pid that may belong to someone else by
 * now. Each container's process is held open from its first pass until it is released.
 */
export class Applier {
  private readonly handles = new Map<string, Handle>();

  constructor(private readonly options: ApplierOptions) {}

  async apply(targets: readonly Target[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const planned: Work[] = [];
    for (const target of targets) {
      const plan = this.plan(target);
      if ('status' in plan) outcomes.push(plan);
      else planned.push(plan);
    }
    // Everything that may be given once this is done: a daemon killed half-way re-checks it.
    for (const { target, given, changes } of planned) {
      if (!isEmpty(changes)) this.record(target.container, merge(given, target.wanted));
    }
    this.options.store.save();
    const work: Work[] = [];
    for (const item of planned) {
      const failure = this.act(item);
      if (failure) outcomes.push(failure);
      else work.push(item);
    }
    const requests = work.flatMap(({ made }) => made.map(({ request }) => request));
    const makeErrors = await this.options.nodeMaker.make(requests);
    for (const item of work) outcomes.push(this.finish(item, makeErrors));
    this.options.store.save();
    return outcomes;
  }

  /** Closes what is held for a container that is gone. */
  release(id: string): void {
    this.handles.get(id)?.process.close();
    this.handles.delete(id);
  }

  releaseAll(): void {
    for (const id of [...this.handles.keys()]) this.release(id);
  }

  /** Reads what the container has and decides what to change; changes nothing yet. */
  private plan(target: Target): Work | Outcome {
    let dev: DevTree | undefined;
    try {
      const { process, access } = this.handle(target.container);
      process.check();
      dev = process.openDev();
      const given =
        target.given ??
        this.recorded(target.container) ??
        this.stale(target.container, target.wanted);
      const tree = dev;
      const changes = planChanges(
        target.wanted,
        given,
        { node: (path) => tree.lookup(path), access: readAccess(access) },
        { revoke: target.revoke },
      );
      return { target, access, dev, given, changes, problems: [], made: [] };
    } catch (error) {
      dev?.close();
      return this.failed(target, error);
    }
  }

  /** Revokes, removes, allows, and prepares the directories of new nodes. */
  private act(item: Work): Outcome | undefined {
    const { changes, access, dev, problems, made } = item;
    // Only a v1-rules source is writable, and planChanges asks for rule writes only there.
    const cgroup = access.kind === 'v1-rules' ? access.cgroup : undefined;
    try {
      for (const device of changes.deny) cgroup?.deny(device);
      for (const node of changes.remove) dev.unlink(node.path);
      for (const device of changes.allow) cgroup?.allow(device);
      for (const node of changes.create) {
        try {
          if (node.replace) dev.unlink(node.path);
          const { dirFd, name } = dev.prepare(node.path);
          made.push({
            node,
            request: { dirFd, name, device: node, mode: node.mode, uid: node.uid, gid: node.gid },
          });
        } catch (error) {
          if (meansGone(error)) throw error;
          problems.push(`${node.path}: ${(error as Error).message}`);
        }
      }
      return undefined;
    } catch (error) {
      dev.close();
      return this.failed(item.target, error);
    }
  }

  private finish(item: Work, makeErrors: string): Outcome {
    const { target, dev, changes, problems } = item;
    try {
      for (const { node } of item.made) {
        const now = dev.lookup(node.path);
        if (now.kind !== 'device' || now.major !== node.major || now.minor !== node.minor) {
          problems.push(`${node.path}: not created${makeErrors ? ` (${makeErrors})` : ''}`);
          continue;
        }
        if (now.uid !== node.uid || now.gid !== node.gid) dev.chown(node.path, node.uid, node.gid);
      }
      const given = this.result(item);
      this.record(target.container, given);
      return {
        id: target.container.id,
        status: 'applied',
        access: item.access.kind,
        changes,
        given,
        problems,
      };
    } catch (error) {
      return this.failed(target, error);
    } finally {
      dev.close();
    }
  }

  private handle(container: ContainerInfo): Handle {
    const known = this.handles.get(container.id);
    if (known && known.process.pid === container.pid) return known;
    this.release(container.id);
    const process = ContainerProcess.open(container.pid, container.id);
    try {
      if (process.userNamespaced()) {
        throw new Skip(
          'the container has a user namespace: nodes made from the host could not be opened in it',
        );
      }
      const cgroupPath = process.cgroups.devices;
      const hierarchy = this.options.devicesHierarchy;
      const access: AccessSource =
        cgroupPath !== undefined && hierarchy !== undefined && this.options.cgroupAccess === 'write'
          ? { kind: 'v1-rules', cgroup: DevicesCgroupV1.at(hierarchy, cgroupPath) }
          : { kind: 'creation-rules', rules: this.creationRules(container) };
      const handle = { process, access };
      this.handles.set(container.id, handle);
      return handle;
    } catch (error) {
      process.close();
      throw error;
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
    const state = this.options.store.get(container.id);
    return state && state.startedAt === container.startedAt ? state.nodes : undefined;
  }

  /** On first meeting a run of a container: its stale creation devices, to take back. */
  private stale(container: ContainerInfo, wanted: readonly WantedNode[]): GivenNode[] {
    const config = readCreationConfig(container);
    if (config === undefined) return [];
    const wantedPaths = new Set(wanted.map(({ path }) => path));
    return staleCreationDevices(config.text, config.path, this.options.hostHas).filter(
      ({ path }) => !wantedPaths.has(path),
    );
  }

  /**
   * The device rules the runtime was given at creation (after the hook's edits): on cgroup v2
   * what its device program allows, on v1 what it wrote. They do not change while the container
   * runs, so they are read once per run.
   */
  private creationRules(container: ContainerInfo): readonly DeviceCgroupRule[] {
    const config = readCreationConfig(container);
    if (config === undefined) {
      throw new Skip(
        'Podman names no creation config (OCIConfigPath), so the device rules the container was created with are unknown: no nodes are made',
      );
    }
    return parseRuntimeConfig(config.text, config.path).cgroupRules;
  }

  private record(container: ContainerInfo, nodes: GivenNode[]): void {
    if (!this.options.stillManaged(container.id)) return;
    this.options.store.set({ id: container.id, startedAt: container.startedAt, nodes });
  }

  private failed(target: Target, error: unknown): Outcome {
    const { id } = target.container;
    if (error instanceof Skip) return { id, status: 'skipped', reason: error.message };
    if (error instanceof ContainerGone || meansGone(error)) {
      this.release(id);
      this.options.store.delete(id);
      return { id, status: 'gone' };
    }
    // Anything else (an unsafe /dev, EPERM from the cgroup) costs this container this pass only.
    return { id, status: 'failed', reason: (error as Error).message };
  }
}

class Skip extends Error {}

/** The runtime config the container was created with; undefined when Podman names none. */
function readCreationConfig(container: ContainerInfo): { path: string; text: string } | undefined {
  const path = container.ociConfigPath;
  if (path === undefined) return undefined;
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    if (meansGone(error)) throw new ContainerGone(`${path} is gone`);
    throw error;
  }
}

function readAccess(source: AccessSource): Access {
  if (source.kind === 'v1-rules') return { kind: 'writable', rules: source.cgroup.rules() };
  const { rules } = source;
  return {
    kind: 'fixed',
    grants: ({ type, major, minor }) =>
      rulesAllow(rules, { allow: true, type, major, minor, access: 'rwm' }),
  };
}

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
