import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { PluginError } from './errors.js';
import {
  capModule,
  type Definitions,
  definitions,
  MemoryCapError,
  type ModuleCaps,
} from './memory-cap.js';
import {
  instantiatedDefinitions,
  type MemoryPlan,
  MemoryPlanError,
  memoryShareBytes,
  planMemories,
  TABLE_ELEMENTS_CAP,
  tableShareElements,
} from './memory-plan.js';
import { privateDirProblem } from './private-dir.js';
import { forbiddenImportsError, transpileComponent } from './transpile.js';

/** A component ready for a worker: our glue and its core modules, memories capped. */
export interface PreparedComponent {
  /** The ES module jco generated; exports `instantiate(getCoreModule, imports, instantiateCore)`. */
  glue: string;
  /** Core module files by the name the glue asks for, every memory and table capped at its share. */
  coreModules: Record<string, string>;
  memory: {
    /** What each memory may grow to: the cap divided among all of them. */
    shareBytes: number;
    /** What each table may grow to: TABLE_ELEMENTS_CAP divided among all of them. */
    tableShare: number;
    /** How many memories and tables the component instantiates; the worker refuses more. */
    instantiated: Definitions;
    /** Core module file → the memories and tables it defines, for the worker's count. */
    definitions: Record<string, Definitions>;
  };
}

const GLUE = 'glue.mjs';
const PLAN = 'memories.json';
const REJECTED = 'rejected.json';

/**
 * Transpiled components, keyed by the component's sha256.
 *
 * The host never runs JS that came with a plugin: the glue must be generated here, from the
 * verified component, into a directory only this user can write. A plugin's wasm is sandboxed; JS
 * in the host is not.
 *
 * `lookup` is the hook's hot path (a few stats, no component read); `fill` does the work, in the
 * preparation worker (prepare-worker.ts), so that it never holds up the host's own thread.
 */
export class TranspileCache {
  constructor(readonly dir: string) {}

  /** The component capped at `memoryMiB`, if everything for it is cached already. */
  lookup(plugin: string, sha256: string, memoryMiB: number): PreparedComponent | undefined {
    this.ensurePrivateDir();
    const entry = join(this.dir, sha256);
    if (existsSync(join(entry, REJECTED))) throw this.rejected(plugin, entry);
    const plan = readPlan(entry);
    if (!plan) return undefined;
    const { prepared, cappedDir } = preparedAt(entry, plan, memoryMiB);
    return existsSync(cappedDir) ? prepared : undefined;
  }

  /**
   * Transpiles (if not done yet) and caps (if not at this size yet). `component` is called only
   * when the component must be transpiled: it reads and verifies the bytes.
   */
  async fill(
    plugin: string,
    sha256: string,
    component: () => Uint8Array,
    memoryMiB: number,
  ): Promise<PreparedComponent> {
    this.ensurePrivateDir();
    const entry = join(this.dir, sha256);
    const staging = join(this.dir, stagingName(process.pid, threadId));
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { mode: 0o700 });
    try {
      if (existsSync(join(entry, REJECTED))) throw this.rejected(plugin, entry);
      if (!existsSync(join(entry, GLUE))) await this.transpile(plugin, entry, staging, component());
      const plan = readPlan(entry) ?? this.writePlan(plugin, entry);
      const { prepared, cappedDir, caps } = preparedAt(entry, plan, memoryMiB);
      if (!existsSync(cappedDir)) {
        this.cap(plugin, entry, prepared, caps, memoryMiB, join(staging, 'capped'), cappedDir);
      }
      return prepared;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Removes what a preparation worker that was stopped half-way left behind. */
  discardStaging(worker: number): void {
    rmSync(join(this.dir, stagingName(process.pid, worker)), { recursive: true, force: true });
  }

  private async transpile(
    plugin: string,
    entry: string,
    staging: string,
    component: Uint8Array,
  ): Promise<void> {
    const { files, hostImports } = await transpileComponent(plugin, component);
    const target = join(staging, 'entry');
    mkdirSync(target, { mode: 0o700 });
    if (hostImports.length > 0) {
      writeFileSync(join(target, REJECTED), JSON.stringify(hostImports));
    } else {
      for (const [name, bytes] of Object.entries(files)) {
        writeFileSync(join(target, name === 'component.js' ? GLUE : name), bytes);
      }
    }
    renameInto(target, entry);
    if (hostImports.length > 0) throw forbiddenImportsError(plugin, hostImports);
  }

  private writePlan(plugin: string, entry: string): MemoryPlan {
    const defined: Record<string, Definitions> = {};
    for (const file of coreModuleFiles(entry))
      defined[file] = definitions(readFileSync(join(entry, file)));
    let plan: MemoryPlan;
    try {
      plan = planMemories(readFileSync(join(entry, GLUE), 'utf8'), defined);
    } catch (error) {
      if (!(error instanceof MemoryPlanError)) throw error;
      throw new PluginError(plugin, 'memory', `its memories cannot be capped: ${error.message}`);
    }
    writeFileSync(join(entry, `${PLAN}.${process.pid}.${threadId}`), JSON.stringify(plan));
    renameSync(join(entry, `${PLAN}.${process.pid}.${threadId}`), join(entry, PLAN));
    return plan;
  }

  private cap(
    plugin: string,
    entry: string,
    prepared: PreparedComponent,
    caps: ModuleCaps,
    memoryMiB: number,
    staging: string,
    target: string,
  ): void {
    mkdirSync(staging, { mode: 0o700 });
    const { instantiated } = prepared.memory;
    for (const name of Object.keys(prepared.coreModules)) {
      try {
        writeFileSync(join(staging, name), capModule(readFileSync(join(entry, name)), caps));
      } catch (error) {
        if (!(error instanceof MemoryCapError)) throw error;
        const which =
          error.resource === 'table'
            ? `its share of the ${TABLE_ELEMENTS_CAP} table entries a plugin may have, among ${instantiated.tables} tables`
            : instantiated.memories > 1
              ? `its share of the ${memoryMiB} MiB cap among ${instantiated.memories} memories, memoryMiB`
              : 'memoryMiB';
        throw new PluginError(plugin, 'memory', `${error.message} (${which})`);
      }
    }
    renameInto(staging, target);
  }

  private rejected(plugin: string, entry: string): PluginError {
    const imports = JSON.parse(readFileSync(join(entry, REJECTED), 'utf8')) as string[];
    return forbiddenImportsError(plugin, imports);
  }

  /** Refuses a cache others could write into: they could swap the glue the host executes. */
  private ensurePrivateDir(): void {
    const problem = privateDirProblem(this.dir);
    if (problem) throw new PluginError('*', 'load-failed', `unsafe component cache: ${problem}`);
  }
}

function readPlan(entry: string): MemoryPlan | undefined {
  try {
    return JSON.parse(readFileSync(join(entry, PLAN), 'utf8')) as MemoryPlan;
  } catch {
    return undefined;
  }
}

function coreModuleFiles(entry: string): string[] {
  return readdirSync(entry).filter((file) => file.endsWith('.wasm'));
}

/**
 * The component as a worker gets it, and the directory of its capped modules. Capped copies are
 * kept next to the originals, one directory per share (rewriting a 12 MB module costs more than
 * reading it again).
 */
function preparedAt(
  entry: string,
  plan: MemoryPlan,
  memoryMiB: number,
): { prepared: PreparedComponent; cappedDir: string; caps: ModuleCaps } {
  const caps = {
    memoryBytes: memoryShareBytes(plan, memoryMiB * 2 ** 20),
    tableElements: tableShareElements(plan),
  };
  const cappedDir = join(
    entry,
    `memory-${caps.memoryBytes / 1024}KiB-tables-${caps.tableElements}`,
  );
  const coreModules: Record<string, string> = {};
  for (const file of Object.keys(plan.definitions)) coreModules[file] = join(cappedDir, file);
  const memory = {
    shareBytes: caps.memoryBytes,
    tableShare: caps.tableElements,
    instantiated: instantiatedDefinitions(plan),
    definitions: plan.definitions,
  };
  return { prepared: { glue: join(entry, GLUE), coreModules, memory }, cappedDir, caps };
}

function stagingName(pid: number, worker: number): string {
  return `.staging-${pid}-${worker}`;
}

/** Moves a finished directory into place; another process that finished first wins as well. */
function renameInto(source: string, target: string): void {
  try {
    renameSync(source, target);
  } catch (error) {
    if (!existsSync(target)) throw error;
  }
}
