import { PluginError } from './errors.js';

/** A component as jco turns it into JS glue and core modules. */
export interface Transpiled {
  /** `component.js` (the glue) and `component.core*.wasm`, by file name. */
  files: Record<string, Uint8Array>;
  /**
   * The interfaces the glue would need functions for from the host, without versions
   * (`wasi:random/random`). A selector must need none: an imported interface that defines only
   * types (the selector world's own `types`) needs nothing and is not listed.
   */
  hostImports: string[];
}

/**
 * Transpiles a component with jco. The one judge of what a component imports from the host: the
 * host refuses to load a component whose `hostImports` is not empty, and `plugin inspect` marks
 * imports by the same list.
 */
export async function transpileComponent(plugin: string, bytes: Uint8Array): Promise<Transpiled> {
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  try {
    const output = await transpileBytes(bytes, {
      name: 'component',
      instantiation: 'async',
      noComponentErrorWrapping: true,
      emitTypescriptDeclarations: false,
      wasiShim: false,
    });
    return { files: output.files, hostImports: output.imports };
  } catch (error) {
    throw new PluginError(
      plugin,
      'load-failed',
      `not a usable component: ${(error as Error).message}`,
    );
  }
}

/** `wasi:random/random@0.2.3` → `wasi:random/random`, as `hostImports` names interfaces. */
export function unversioned(name: string): string {
  return name.replace(/@[^@/]*$/, '');
}

export function forbiddenImportsError(plugin: string, imports: readonly string[]): PluginError {
  return new PluginError(
    plugin,
    'forbidden-imports',
    `a selector must import nothing from the host, but this component imports: ${imports.join(', ')}`,
  );
}
