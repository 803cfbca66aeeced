import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
export const STATE_FILE = 'containers.json';

/**
 * What was given to every managed container, in one file under a runtime directory
 * (/run/devbinder/state: gone at reboot, with the containers). A pass records its intent (all it
 * may give) before it changes anything, so a daemon killed half-way knows what to check, and its
 * result after; one write each, whatever the number of containers.
 */
export class StateStore {
  private readonly states = new Map<string, ContainerState>();
  private saved = '';
  readonly file: string;

  constructor(dir: string, warn: (message: string) => void) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, STATE_FILE);
    let text: string | undefined;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const states = parseState(text);
    if (typeof states === 'string') {
      warn(`ignoring ${this.file}: ${states}`);
      return;
    }
    for (const state of states) this.states.set(state.id, state);
    this.saved = text;
  }

  get(id: string): ContainerState | undefined {
    return this.states.get(id);
  }

  set(state: ContainerState): void {
    this.states.set(state.id, state);
  }

  delete(id: string): void {
    this.states.delete(id);
  }

  ids(): string[] {
    return [...this.states.keys()];
  }

  /** Writes the file if anything changed since the last write (atomically: rename). */
  save(): void {
    const text = JSON.stringify({ format: FORMAT, containers: [...this.states.values()] });
    if (text === this.saved) return;
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, this.file);
    this.saved = text;
  }
}

/** Validates the state file; a string says what is wrong. */
export function parseState(text: string): ContainerState[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const file = value as Record<string, unknown>;
  if (file.format !== FORMAT) return `format ${String(file.format)}, expected ${FORMAT}`;
  if (!Array.isArray(file.containers)) return '"containers" is not an array';
  const states: ContainerState[] = [];
  for (const [index, entry] of file.containers.entries()) {
    const where = `containers[${index}]`;
    const state = entry as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null) return `${where} is not an object`;
    if (typeof state.id !== 'string' || !/^[0-9a-f]{64}$/.test(state.id)) {
      return `${where}.id is not a container id`;
    }
    if (typeof state.startedAt !== 'string') return `${where}.startedAt is not a string`;
    if (!Array.isArray(state.nodes)) return `${where}.nodes is not an array`;
    const nodes: GivenNode[] = [];
    for (const [nodeIndex, node] of state.nodes.entries()) {
      const given = node as Record<string, unknown>;
      if (
        typeof node !== 'object' ||
        node === null ||
        typeof given.path !== 'string' ||
        (given.type !== 'b' && given.type !== 'c') ||
        !Number.isInteger(given.major) ||
        !Number.isInteger(given.minor)
      ) {
        return `${where}.nodes[${nodeIndex}] is not {path, type: "b"|"c", major, minor}`;
      }
      nodes.push({
        path: given.path,
        type: given.type,
        major: given.major as number,
        minor: given.minor as number,
      });
    }
    states.push({ id: state.id, startedAt: state.startedAt, nodes });
  }
  return states;
}
