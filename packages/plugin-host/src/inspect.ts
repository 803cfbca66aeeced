import { transpileComponent, unversioned } from './transpile.js';

/** What a component imports and exports, as its embedded WIT says. */
export interface ComponentSummary {
  /**
   * Interfaces it imports. `typesOnly` marks one the host needs to provide nothing for (an
   * interface of records, such as the selector world's own `types`): it gives the plugin no way to
   * call the host.
   */
  imports: Array<{ name: string; typesOnly: boolean }>;
  /** What the host would have to provide, so the host refuses to load it; empty for a selector. */
  hostImports: string[];
  /** Its exports, as WIT declares them: `select: func(argument: string, …) -> …`. */
  exports: string[];
}

/**
 * Reads a component's WIT world (jco's wasm-tools) for people to look at: `devbinder plugin
 * inspect`. Which imports need the host is decided by transpiling it, as the host does when it
 * loads one (transpileComponent), not by their names.
 */
export async function inspectComponent(
  plugin: string,
  bytes: Uint8Array,
): Promise<ComponentSummary> {
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const wit = await componentWit(bytes);
  const { hostImports } = await transpileComponent(plugin, bytes);
  const needed = new Set(hostImports);
  const imports: ComponentSummary['imports'] = [];
  const exports: string[] = [];
  for (const line of wit.split('\n').map((text) => text.trim())) {
    const imported = /^import ([^;]+);$/.exec(line)?.[1];
    if (imported) imports.push({ name: imported, typesOnly: !needed.has(unversioned(imported)) });
    const exported = /^export ([^;]+);$/.exec(line)?.[1];
    if (exported) exports.push(exported);
  }
  return { imports, hostImports, exports };
}
