// Builds the shipped CLI: one ES module bundle (plus lazily loaded chunks per command), the plugin
// worker, and the bundled selector components. A hook starts at every container start; loading
// one bundle instead of ~60 modules saves tens of milliseconds each time.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const require = createRequire(import.meta.url);
const { bundledSelectors } = JSON.parse(
  readFileSync(join(here, '..', 'package.json'), 'utf8'),
).devbinder;

rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [
    { in: join(here, '..', 'src', 'devbinder.ts'), out: 'devbinder' },
    { in: require.resolve('@devbinder/plugin-host/worker'), out: 'worker' },
  ],
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Chunks sit next to the entry: src/layout.ts finds shipped files relative to any of them.
  chunkNames: '[name]-[hash]',
  // Only needed to transpile a component the first time it is seen; large, and ships wasm files.
  external: ['@bytecodealliance/jco-transpile'],
  // Bundled CommonJS (commander) calls require(); give ESM output one.
  banner: {
    js: "import { createRequire as __devbinderRequire } from 'node:module'; const require = __devbinderRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});

for (const name of bundledSelectors) {
  const manifestPath = require.resolve(`@devbinder/selector-${name}/plugin.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const target = join(dist, 'plugins', name);
  mkdirSync(target, { recursive: true });
  copyFileSync(manifestPath, join(target, 'plugin.json'));
  copyFileSync(join(dirname(manifestPath), manifest.component), join(target, manifest.component));
}
