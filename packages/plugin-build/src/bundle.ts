import { build } from 'esbuild';

/** The plugin's code does not bundle: a syntax error, an import that does not resolve. */
export class BundleError extends Error {
  override name = 'BundleError';
}

/**
 * componentize-js takes one module; plugins are TypeScript with imports (the SDK at least), so
 * esbuild bundles them first. The engine (StarlingMonkey) speaks ES2022.
 */
export async function bundleEntry(entry: string): Promise<string> {
  let text: string | undefined;
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      logLevel: 'silent',
      legalComments: 'none',
    });
    text = result.outputFiles[0]?.text;
  } catch (error) {
    // esbuild's message lists each error as file:line:column: text.
    const hint = /Could not resolve "@devbinder\//.test((error as Error).message)
      ? ' (is the project installed? run npm install)'
      : '';
    throw new BundleError(`${(error as Error).message}${hint}`);
  }
  if (text === undefined) throw new BundleError(`esbuild produced no output for ${entry}`);
  return text;
}
