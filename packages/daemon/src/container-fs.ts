import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { deviceMajor, deviceMinor } from '@devbinder/oci';
import type { DeviceNumber } from '@devbinder/udev';
import { type ProcessCgroups, parseProcCgroup } from './cgroup-v1.js';
import { deviceArchive } from './ustar.js';

/** The container (its process, mount namespace or cgroup) went away while we worked on it. */
export class ContainerGone extends Error {
  override name = 'ContainerGone';
}

/** A path in a container that is not a plain `/dev/…` path: never touched. */
export class UnsafePath extends Error {
  override name = 'UnsafePath';
}

const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** Codes that mean a process or its cgroup is gone (a container can exit between any two steps). */
export function meansGone(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ESRCH' || code === 'ENODEV';
}

/**
 * A running container's init process, held through a `/proc/<pid>` directory descriptor: once the
 * process exits, every lookup through it fails, even if the kernel hands the pid to another
 * process. Its cgroup must name the container, so a reused pid is never mistaken for it.
 */
export class ContainerProcess {
  private devFd: number | undefined;

  private constructor(
    private readonly procFd: number,
    readonly pid: number,
    private readonly containerId: string,
    readonly cgroups: ProcessCgroups,
  ) {}

  static open(pid: number, containerId: string): ContainerProcess {
    let procFd: number;
    try {
      procFd = openSync(`/proc/${pid}`, DIRECTORY);
    } catch (error) {
      if (meansGone(error)) throw new ContainerGone(`process ${pid} is gone`);
      throw error;
    }
    try {
      const cgroups = readCgroups(procFd, pid, containerId);
      return new ContainerProcess(procFd, pid, containerId, cgroups);
    } catch (error) {
      closeSync(procFd);
      throw error;
    }
  }

  /** Throws ContainerGone unless the process still runs, in the container's cgroup. */
  check(): void {
    readCgroups(this.procFd, this.pid, this.containerId);
  }

  /**
   * True when the container has its own user namespace. Nodes made from here would sit on a /dev
   * mounted inside that namespace (nodev) and could not be opened: such containers are left alone.
   */
  userNamespaced(): boolean {
    const map = this.read('uid_map').trim().split(/\s+/);
    return !(map.length === 3 && map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
  }

  /**
   * The container's `/dev`, as its processes see it: a walk over the descriptor of its root, opened
   * once and kept with the process (a tmpfs mounted there stays put for the container's life).
   */
  openDev(): DevTree {
    if (this.devFd === undefined) {
      try {
        this.devFd = openSync(`/proc/self/fd/${this.procFd}/root/dev`, DIRECTORY);
      } catch (error) {
        if (meansGone(error)) throw new ContainerGone(`process ${this.pid} is gone`);
        if (errorCode(error) === 'ELOOP' || errorCode(error) === 'ENOTDIR') {
          throw new UnsafePath(`the container's /dev is not a directory`);
        }
        throw error;
      }
    }
    return new DevTree(this.devFd);
  }

  close(): void {
    if (this.devFd !== undefined) closeSync(this.devFd);
    this.devFd = undefined;
    closeSync(this.procFd);
  }

  private read(name: string): string {
    try {
      return readFileSync(`/proc/self/fd/${this.procFd}/${name}`, 'utf8');
    } catch (error) {
      if (meansGone(error)) throw new ContainerGone(`process ${this.pid} is gone`);
      throw error;
    }
  }
}

function readCgroups(procFd: number, pid: number, containerId: string): ProcessCgroups {
  let text: string;
  try {
    text = readFileSync(`/proc/self/fd/${procFd}/cgroup`, 'utf8');
  } catch (error) {
    if (meansGone(error)) throw new ContainerGone(`process ${pid} is gone`);
    throw error;
  }
  const cgroups = parseProcCgroup(text, `/proc/${pid}/cgroup`);
  const path = cgroups.devices ?? cgroups.unified ?? '';
  if (!path.includes(containerId)) {
    throw new ContainerGone(`process ${pid} is not in container ${containerId}'s cgroup`);
  }
  return cgroups;
}

/** What is at a path in the container's /dev. */
export type NodeState =
  | { kind: 'missing' }
  | { kind: 'directory' }
  | { kind: 'other' }
  | {
      kind: 'device';
      type: 'b' | 'c';
      major: number;
      minor: number;
      mode: number;
      uid: number;
      gid: number;
    };

/** A node that `NodeMaker.make` should create: the file `name` in the directory `dirFd`. */
export interface NodeToMake {
  dirFd: number;
  name: string;
  device: DeviceNumber;
  mode: number;
  uid: number;
  gid: number;
}

/**
 * A container's /dev, walked one directory at a time through descriptors opened with O_NOFOLLOW.
 * The container owns that tree and may plant symlinks in it; following one from the host would
 * resolve against the host's root. Every operation goes through `/proc/self/fd/<dir>/<name>` with
 * a final component that is never followed (lstat, unlink, lchown, mkdir, and tar making nodes).
 */
export class DevTree {
  /** Directories below /dev opened during this walk; the root belongs to the ContainerProcess. */
  private readonly dirs = new Map<string, number>();

  constructor(private readonly devFd: number) {}

  /** What is at `path` now. */
  lookup(path: string): NodeState {
    const parent = this.parent(path, false);
    if (!parent) return { kind: 'missing' };
    const info = lstatSync(at(parent), { throwIfNoEntry: false });
    if (!info) return { kind: 'missing' };
    if (info.isDirectory()) return { kind: 'directory' };
    if (!info.isBlockDevice() && !info.isCharacterDevice()) return { kind: 'other' };
    return {
      kind: 'device',
      type: info.isBlockDevice() ? 'b' : 'c',
      major: deviceMajor(info.rdev),
      minor: deviceMinor(info.rdev),
      mode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
    };
  }

  /** Where a node at `path` goes, creating missing directories (0755, like udev's). */
  prepare(path: string): { dirFd: number; name: string } {
    const parent = this.parent(path, true);
    if (!parent) throw new UnsafePath(`cannot create the directories of ${path}`);
    return parent;
  }

  /** Removes a non-directory at `path`; true when there was one. */
  unlink(path: string): boolean {
    const parent = this.parent(path, false);
    if (!parent) return false;
    try {
      unlinkSync(at(parent));
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  chown(path: string, uid: number, gid: number): void {
    const parent = this.parent(path, false);
    if (!parent) throw new UnsafePath(`${path} vanished before its owner was set`);
    lchownSync(at(parent), uid, gid);
  }

  /**
   * Closes the directories below /dev. They are opened again on the next walk: the container may
   * have replaced one meanwhile, and a descriptor of a deleted directory would hide that.
   */
  close(): void {
    for (const fd of this.dirs.values()) closeSync(fd);
    this.dirs.clear();
  }

  private parent(path: string, create: boolean): { dirFd: number; name: string } | undefined {
    const parts = devRelative(path);
    const name = parts.pop() as string;
    let key = '';
    let fd = this.devFd;
    for (const part of parts) {
      key = key === '' ? part : `${key}/${part}`;
      const known = this.dirs.get(key);
      if (known !== undefined) {
        fd = known;
        continue;
      }
      const next = openDirectory(fd, part, create);
      if (next === undefined) return undefined;
      this.dirs.set(key, next);
      fd = next;
    }
    return { dirFd: fd, name };
  }
}

function at({ dirFd, name }: { dirFd: number; name: string }): string {
  return `/proc/self/fd/${dirFd}/${name}`;
}

/** `/dev/disk/by-id/x` → `['disk', 'by-id', 'x']`; anything else under /dev is refused. */
export function devRelative(path: string): string[] {
  if (!path.startsWith('/dev/')) throw new UnsafePath(`${path} is not under /dev`);
  const parts = path.slice('/dev/'.length).split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new UnsafePath(`${path} is not a plain path`);
  }
  return parts;
}

function openDirectory(parentFd: number, name: string, create: boolean): number | undefined {
  const path = `/proc/self/fd/${parentFd}/${name}`;
  if (create) {
    try {
      mkdirSync(path, { mode: 0o755 });
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
  try {
    return openSync(path, DIRECTORY);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      throw new UnsafePath(`${name} in the container's /dev is not a directory`);
    }
    throw error;
  }
}

/**
 * Makes device nodes. Node.js has no mknod(2); GNU tar makes every node of a batch (all containers,
 * with mode and owner) in one process, from an archive of device entries whose paths start at a
 * directory this process holds open: `/proc/<our pid>/fd/<dir>/<name>`. tar is run by a host shell
 * started once and kept (never a container's binaries): spawning a process from the daemon, which
 * holds plugin instances of hundreds of MB, costs tens of milliseconds; the small shell forks tar
 * in about one, and one tar replaces a mknod process per node per container.
 */
export class NodeMaker {
  private shell: ChildProcess | undefined;
  private output = '';
  private sequence = 0;
  private readonly waiting = new Map<number, (errors: string) => void>();

  /** `scratchDir`: where archives wait for tar; only this process's user may write there. */
  constructor(private readonly scratchDir: string) {}

  /** Starts the shell now, while this process is still small. */
  start(): void {
    this.running();
  }

  /** Makes the nodes; resolves with what tar complained about (callers check each node anyway). */
  make(nodes: readonly NodeToMake[]): Promise<string> {
    if (nodes.length === 0) return Promise.resolve('');
    const shell = this.running();
    const id = ++this.sequence;
    const archive = join(this.scratchDir, `nodes-${id}.tar`);
    writeFileSync(
      archive,
      deviceArchive(nodes.map(({ dirFd, ...node }) => ({ ...node, directory: String(dirFd) }))),
      { mode: 0o600 },
    );
    const directory = shellQuote(`/proc/${process.pid}/fd`);
    const file = shellQuote(archive);
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      shell.stdin?.write(
        `tar -x -p --same-owner --numeric-owner -f ${file} -C ${directory} 2>&1; rm -f ${file}; echo ${DONE}${id}\n`,
      );
    });
  }

  stop(): void {
    this.shell?.kill('SIGTERM');
    this.shell = undefined;
  }

  /** The shell, started again if it exited. */
  private running(): ChildProcess {
    if (!this.shell) {
      mkdirSync(this.scratchDir, { recursive: true, mode: 0o700 });
      this.shell = this.spawn();
    }
    return this.shell;
  }

  private spawn(): ChildProcess {
    const shell = spawn('/bin/sh', ['-s'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    this.output = '';
    shell.stdin?.on('error', () => {});
    shell.stdout?.setEncoding('utf8');
    shell.stdout?.on('data', (chunk: string) => this.read(chunk));
    shell.stderr?.resume();
    const ended = () => {
      if (this.shell === shell) this.shell = undefined;
      // Whatever was asked of it may or may not have happened: callers check every node.
      for (const resolve of this.waiting.values()) resolve('the node-making shell exited');
      this.waiting.clear();
    };
    shell.on('error', ended);
    shell.on('exit', ended);
    return shell;
  }

  private read(chunk: string): void {
    this.output += chunk;
    for (;;) {
      const marker = this.output.indexOf(DONE);
      const newline = marker === -1 ? -1 : this.output.indexOf('\n', marker);
      if (newline === -1) return;
      const id = Number(this.output.slice(marker + DONE.length, newline));
      const errors = this.output.slice(0, marker).trim();
      this.output = this.output.slice(newline + 1);
      this.waiting.get(id)?.(errors);
      this.waiting.delete(id);
    }
  }
}

/** Ends each batch's output; tar never prints it. */
const DONE = '@devbinder-nodes-done ';

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
