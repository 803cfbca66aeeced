import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PluginError } from './errors.js';
import { capMemory, MemoryCapError } from './memory-cap.js';
import { privateDirProblem } from './private-dir.js';

/** A component turned into JS glue plus core modules, ready to instantiate. */
export interface TranspiledComponent {
  /** The ES module jco generated; exports `instantiate(getCoreModule, imports, instantiateCore)`. */
  glue: string;
  /** Core module files by the name the glue asks for, their memories capped as requested. */
  coreModules: Record<string, string>;
}

const GLUE = 'glue.mjs';
const REJECTED = 'rejected.json';

/**
 * Transpiled components, keyed by the component's sha256.
 *
 * The host never runs JS that came with a plugin: the glue must be generated here, from the
 * verified component, into a directory only this user can write. A plugin's wasm is sandboxed; JS
 * in the host is not.
 */
export class TranspileCache {
  constructor(readonly dir: string) {}

  /**
   * The component with every core module's memory capped at `memoryMiB`. Capped copies are kept
   * next to the originals, one directory per cap: rewriting a 12 MB module costs more than
   * reading it again.
   */
  async get(
    plugin: string,
    sha256: string,
    component: () => Uint8Array,
    memoryMiB: number,
  ): Promise<TranspiledComponent> {
    this.ensurePrivateDir();
    const entry = join(this.dir, sha256);
    let transpiled = this.read(plugin, entry);
    if (!transpiled) {
      await this.transpile(plugin, entry, component());
      transpiled = this.read(plugin, entry);
    }
    if (!transpiled) {
      throw new PluginError(plugin, 'load-failed', `transpiled component missing from ${entry}`);
    }
    return { glue: transpiled.glue, coreModules: this.capped(plugin, transpiled, memoryMiB) };
  }

  private capped(
    plugin: string,
    transpiled: TranspiledComponent,
    memoryMiB: number,
  ): Record<string, string> {
    const dir = join(transpiled.glue, '..', `memory-${memoryMiB}MiB`);
    const coreModules: Record<string, string> = {};
    for (const [name, path] of Object.entries(transpiled.coreModules)) {
      const target = join(dir, name);
      coreModules[name] = target;
      try {
        statSync(target);
        continue;
      } catch {
        // Not capped at this size yet.
      }
      let bytes: Uint8Array;
      try {
        bytes = capMemory(readFileSync(path), memoryMiB * 2 ** 20);
      } catch (error) {
        if (!(error instanceof MemoryCapError)) throw error;
        throw new PluginError(plugin, 'memory', `${error.message} (memoryMiB)`);
      }
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(`${target}.${process.pid}.tmp`, bytes);
      renameSync(`${target}.${process.pid}.tmp`, target);
    }
    return coreModules;
  }

  private read(plugin: string, entry: string): TranspiledComponent | undefined {
    let files: string[];
    try {
      files = readdirSync(entry);
    } catch {
      return undefined;
    }
    if (files.includes(REJECTED)) {
      const imports = JSON.parse(readFileSync(join(entry, REJECTED), 'utf8')) as string[];
      throw forbiddenImports(plugin, imports);
    }
    if (!files.includes(GLUE)) return undefined;
    const coreModules: Record<string, string> = {};
    for (const file of files) if (file.endsWith('.wasm')) coreModules[file] = join(entry, file);
    return { glue: join(entry, GLUE), coreModules };
  }

  private async transpile(plugin: string, entry: string, component: Uint8Array): Promise<void> {
    const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
    let output: Awaited<ReturnType<typeof transpileBytes>>;
    try {
      output = await transpileBytes(component, {
        name: 'component',
        instantiation: 'async',
        noComponentErrorWrapping: true,
        emitTypescriptDeclarations: false,
        wasiShim: false,
      });
    } catch (error) {
      throw new PluginError(
        plugin,
        'load-failed',
        `not a usable component: ${(error as Error).message}`,
      );
    }
    const staging = `${entry}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { mode: 0o700 });
    if (output.imports.length > 0) {
      writeFileSync(join(staging, REJECTED), JSON.stringify(output.imports));
    } else {
      for (const [name, bytes] of Object.entries(output.files)) {
        writeFileSync(join(staging, name === 'component.js' ? GLUE : name), bytes);
      }
    }
    try {
      renameSync(staging, entry);
    } catch {
      // Another process finished the same component first; its copy is as good as ours.
      rmSync(staging, { recursive: true, force: true });
    }
    if (output.imports.length > 0) throw forbiddenImports(plugin, output.imports);
  }

  /** Refuses a cache others could write into: they could swap the glue the host executes. */
  private ensurePrivateDir(): void {
    const problem = privateDirProblem(this.dir);
    if (problem) throw new PluginError('*', 'load-failed', `unsafe component cache: ${problem}`);
  }
}

function forbiddenImports(plugin: string, imports: string[]): PluginError {
  return new PluginError(
    plugin,
    'forbidden-imports',
    `a selector must import nothing from the host, but this component imports: ${imports.join(', ')}`,
  );
}
