// Builds the shipped CLI: the entry (with the hook), the rest of the command line, the plugin worker
// and the bundled selector components, all in dist/. A hook starts at every container start; loading
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
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS (commander) calls require(); give ESM output one.
  banner: {
    js: "import { createRequire as __devbinderRequire } from 'node:module'; const require = __devbinderRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
};
// Each entry is one self-contained file: an ES module costs a resolve, read, compile and link, and
// the hook path (devbinder.js) must load as little as possible. Code the files share is copied.
await Promise.all([
  build({
    ...common,
    entryPoints: { devbinder: join(here, '..', 'src', 'devbinder.ts') },
    outdir: dist,
    // The full command line parser, loaded only for commands other than the hook.
    external: ['./program.js', '@bytecodealliance/jco-transpile'],
  }),
  build({
    ...common,
    entryPoints: { program: join(here, '..', 'src', 'program.ts') },
    outdir: dist,
    external: ['@bytecodealliance/jco-transpile'],
  }),
  build({
    ...common,
    entryPoints: { worker: require.resolve('@devbinder/plugin-host/worker') },
    outdir: dist,
  }),
]);

for (const name of bundledSelectors) {
  const manifestPath = require.resolve(`@devbinder/selector-${name}/plugin.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const target = join(dist, 'plugins', name);
  mkdirSync(target, { recursive: true });
  copyFileSync(manifestPath, join(target, 'plugin.json'));
  copyFileSync(join(dirname(manifestPath), manifest.component), join(target, manifest.component));
}
