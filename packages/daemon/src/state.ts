import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A node devbinder gave a container (or found there, chosen by its selectors). */
export interface GivenNode {
  path: string;
  type: 'b' | 'c';
  major: number;
  minor: number;
}

/** What the daemon has given one run of a container; what it takes back when devices go. */
export interface ContainerState {
  id: string;
  /** Podman's State.StartedAt: a restarted container is a new run and starts afresh. */
  startedAt: string;
  nodes: GivenNode[];
}

const FORMAT = 1;

/**
 * One small file per managed container under a runtime directory (/run/devbinder/state: gone at
 * reboot, with the containers). Written before each change with everything that may be given
 * after it (so a daemon killed half-way knows what to check) and after it with what was given.
 * The file of a container that is gone is deleted.
 */
export class StateStore {
  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  read(id: string): ContainerState | undefined {
    const file = this.file(id);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const state = parseState(text, id);
    if (typeof state === 'string') this.warn(`ignoring ${file}: ${state}`);
    return typeof state === 'string' ? undefined : state;
  }

  write(state: ContainerState): void {
    const file = this.file(state.id);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ format: FORMAT, ...state }), { mode: 0o600 });
    renameSync(temporary, file);
  }

  delete(id: string): void {
    rmSync(this.file(id), { force: true });
  }

  /** Ids with a state file (to delete those of containers that are gone). */
  ids(): string[] {
    return readdirSync(this.dir)
      .filter((name) => /^[0-9a-f]{64}\.json$/.test(name))
      .map((name) => name.slice(0, 64));
  }

  private file(id: string): string {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`not a container id: ${id}`);
    return join(this.dir, `${id}.json`);
  }
}

/** Validates a state file; a string says what is wrong. */
export function parseState(text: string, id: string): ContainerState | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const state = value as Record<string, unknown>;
  if (state.format !== FORMAT) return `format ${String(state.format)}, expected ${FORMAT}`;
  if (state.id !== id) return `it names container ${String(state.id)}`;
  if (typeof state.startedAt !== 'string') return '"startedAt" is not a string';
  if (!Array.isArray(state.nodes)) return '"nodes" is not an array';
  const nodes: GivenNode[] = [];
  for (const [index, node] of state.nodes.entries()) {
    const entry = node as Record<string, unknown>;
    if (
      typeof node !== 'object' ||
      node === null ||
      typeof entry.path !== 'string' ||
      (entry.type !== 'b' && entry.type !== 'c') ||
      !Number.isInteger(entry.major) ||
      !Number.isInteger(entry.minor)
    ) {
      return `nodes[${index}] is not {path, type: "b"|"c", major, minor}`;
    }
    nodes.push({
      path: entry.path,
      type: entry.type,
      major: entry.major as number,
      minor: entry.minor as number,
    });
  }
  return { id, startedAt: state.startedAt, nodes };
}
