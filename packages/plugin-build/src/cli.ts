import { resolve } from 'node:path';
import { buildPlugin } from './build-plugin.js';

/** `devbinder-plugin-build [DIR]`: the workspace build of bundled plugins uses this. */
const dir = resolve(process.argv[2] ?? '.');
try {
  const started = performance.now();
  const built = await buildPlugin(dir, {
    onStep: (step, detail) => process.stderr.write(`devbinder-plugin-build: ${step} ${detail}\n`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    `devbinder-plugin-build: ${built.manifest.name} -> ${built.componentPath} (${seconds} s)\n`,
  );
} catch (error) {
  process.stderr.write(`devbinder-plugin-build: ${(error as Error).message}\n`);
  process.exit(1);
}
