import { build } from 'esbuild';

/**
 * componentize-js takes one module; plugins are TypeScript with imports (the SDK at least), so
 * esbuild bundles them first. The engine (StarlingMonkey) speaks ES2022.
 */
export async function bundleEntry(entry: string): Promise<string> {
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
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return output.text;
}
