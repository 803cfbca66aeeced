import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preopenRoot } from '../src/preopen.js';

const require = createRequire(import.meta.url);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Where @devbinder/plugin-sdk keeps the declarations generated from its WIT world. */
export const sdkTypesDir = join(
  dirname(require.resolve('@devbinder/plugin-sdk/wit/selector.wit')),
  '..',
  'types',
  'wit',
);

/**
 * The TypeScript declarations jco generates for the host side of the selector world: the records
 * and variants of `devbinder:selector/types` and the two exports, exactly as jco's glue maps them
 * (camelCase fields, `undefined` for `none`, `{ tag, val }` variants). `@devbinder/plugin-sdk`
 * commits them under `types/wit/` and builds its wire types on them, so a WIT change the SDK does
 * not follow fails type checking. Keys are paths relative to that directory.
 */
async function witTypes(witPath: string): Promise<Record<string, string>> {
  await preopenRoot();
  const { generateHostTypes } = await import('@bytecodealliance/jco-transpile');
  const files = await generateHostTypes(witPath, { worldName: 'selector', name: 'selector' });
  return Object.fromEntries(
    Object.entries(files).map(([path, bytes]) => [path, new TextDecoder().decode(bytes)]),
  );
}

/** The SDK's generated declarations as they should be on disk: jco's output, formatted by Biome. */
export async function sdkTypes(): Promise<Record<string, string>> {
  const generated = await witTypes(require.resolve('@devbinder/plugin-sdk/wit/selector.wit'));
  const biome = require.resolve('@biomejs/biome/bin/biome');
  return Object.fromEntries(
    Object.entries(generated).map(([path, text]) => {
      const formatted = spawnSync(
        process.execPath,
        [biome, 'format', `--stdin-file-path=${join(sdkTypesDir, path)}`],
        { input: text, cwd: repoRoot, encoding: 'utf8' },
      );
      if (formatted.status !== 0) throw new Error(`biome format ${path}: ${formatted.stderr}`);
      return [path, formatted.stdout];
    }),
  );
}
