import { loadComponentizer } from './preopen.js';

/** The WASI features componentize-js can build in; each brings imports a selector may not have. */
export const WASI_FEATURES = ['stdio', 'random', 'clocks', 'http', 'fetch-event'] as const;
export type WasiFeature = (typeof WASI_FEATURES)[number];

export class ComponentizeError extends Error {
  override name = 'ComponentizeError';
}

/**
 * Compiles one bundled ES module into a selector component. With no `wasiFeatures` (always, except
 * in tests of the host's refusal) every WASI feature is off and the component imports nothing; a
 * component that still imports something is refused here already.
 */
export async function componentizeSelector(options: {
  sourcePath: string;
  witPath: string;
  wasiFeatures?: readonly WasiFeature[];
}): Promise<Uint8Array> {
  const { componentize } = await loadComponentizer();
  const enabled = options.wasiFeatures ?? [];
  let output: Awaited<ReturnType<typeof componentize>>;
  try {
    output = await componentize({
      sourcePath: options.sourcePath,
      witPath: options.witPath,
      worldName: 'selector',
      disableFeatures: WASI_FEATURES.filter((feature) => !enabled.includes(feature)),
    });
  } catch (error) {
    throw new ComponentizeError(`${options.sourcePath}: ${(error as Error).message}`);
  }
  if (enabled.length === 0 && output.imports.length > 0) {
    const names = output.imports.flat().join(', ');
    throw new ComponentizeError(
      `${options.sourcePath}: a selector may import nothing, but it imports ${names}`,
    );
  }
  return output.component;
}
