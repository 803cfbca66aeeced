/** What a component imports and exports, as its embedded WIT says. */
export interface ComponentSummary {
  /**
   * Interfaces it imports. `typesOnly` marks the selector world's own `types` interface, which
   * defines records and no functions: importing it gives the plugin no way to call the host.
   */
  imports: Array<{ name: string; typesOnly: boolean }>;
  /** Its exports, as WIT declares them: `select: func(argument: string, …) -> …`. */
  exports: string[];
}

const TYPES_INTERFACE = /^devbinder:selector\/types@/;

/**
 * Reads a component's WIT world (jco's wasm-tools) for people to look at: `devbinder plugin
 * inspect`. The host's load-time check is stricter and separate: jco's transpiler must find no
 * import it would have to provide.
 */
export async function inspectComponent(bytes: Uint8Array): Promise<ComponentSummary> {
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const wit = await componentWit(bytes);
  const imports: ComponentSummary['imports'] = [];
  const exports: string[] = [];
  for (const line of wit.split('\n').map((text) => text.trim())) {
    const imported = /^import ([^;]+);$/.exec(line)?.[1];
    if (imported) imports.push({ name: imported, typesOnly: TYPES_INTERFACE.test(imported) });
    const exported = /^export ([^;]+);$/.exec(line)?.[1];
    if (exported) exports.push(exported);
  }
  return { imports, exports };
}
