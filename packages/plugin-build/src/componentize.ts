import { loadComponentizer } from './preopen.js';

/** Every WASI feature off: the component then imports nothing from the host. */
const NO_WASI = ['stdio', 'random', 'clocks', 'http', 'fetch-event'] as const;

export class ComponentizeError extends Error {
  override name = 'ComponentizeError';
}

/** Compiles one bundled ES module into a selector component that imports nothing. */
export async function componentizeSelector(options: {
  sourcePath: string;
  witPath: string;
}): Promise<Uint8Array> {
  const { componentize } = await loadComponentizer();
  let output: Awaited<ReturnType<typeof componentize>>;
  try {
    output = await componentize({
      sourcePath: options.sourcePath,
      witPath: options.witPath,
      worldName: 'selector',
      disableFeatures: [...NO_WASI],
    });
  } catch (error) {
    throw new ComponentizeError(`${options.sourcePath}: ${(error as Error).message}`);
  }
  if (output.imports.length > 0) {
    const names = output.imports.flat().join(', ');
    throw new ComponentizeError(
      `${options.sourcePath}: a selector may import nothing, but it imports ${names}`,
    );
  }
  return output.component;
}
