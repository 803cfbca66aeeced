// Builds the shipped CLI: the entry (the hook's daemon client), the hook's own computation, the rest
// of the command line, the plugin workers, the bundled selector components and the daemon's systemd
// unit, all in dist/. A hook starts at every container start; loading
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
  // The entry twice: the `devbinder` command, and the hook as hooks.d runs it (CommonJS starts
  // faster). Both load the full command line parser only for commands other than the hook, and
  // the hook's own computation only when the hot-plug daemon does not answer.
  ...[
    { outfile: join(dist, 'devbinder.js'), format: 'esm' },
    { outfile: join(dist, 'hook.cjs'), format: 'cjs', banner: {} },
  ].map((output) =>
    build({
      ...common,
      ...output,
      entryPoints: [join(here, '..', 'src', 'devbinder.ts')],
      external: ['./program.js', './hook-full.cjs'],
    }),
  ),
  // The hook's computation, CommonJS: the entries require() it (see hook-command.ts). Its plugin
  // host finds the workers next to itself through import.meta.url, which CommonJS lacks.
  build({
    ...common,
    format: 'cjs',
    entryPoints: [join(here, '..', 'src', 'hook-full.ts')],
    outfile: join(dist, 'hook-full.cjs'),
    banner: {
      js: "const __devbinderModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    define: { 'import.meta.url': '__devbinderModuleUrl' },
    external: ['@bytecodealliance/jco-transpile'],
  }),
  build({
    ...common,
    entryPoints: { program: join(here, '..', 'src', 'program.ts') },
    outdir: dist,
    external: ['./hook-full.cjs', '@bytecodealliance/jco-transpile'],
  }),
  // The plugin worker, and the worker that prepares a new component (it transpiles, so it
  // loads jco-transpile).
  build({
    ...common,
    entryPoints: {
      worker: require.resolve('@devbinder/plugin-host/worker'),
      'prepare-worker': require.resolve('@devbinder/plugin-host/prepare-worker'),
    },
    outdir: dist,
    external: ['@bytecodealliance/jco-transpile'],
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

// The daemon's unit ships with the command, so an npm-installed devbinder has it too.
mkdirSync(join(dist, 'systemd'), { recursive: true });
const unit = require.resolve('@devbinder/daemon/systemd/devbinder-daemon.service');
copyFileSync(unit, join(dist, 'systemd', 'devbinder-daemon.service'));

// The plugin SDK that `devbinder plugin new` vendors into new projects (see pack-sdk.mjs). Part of
// every bundle: dist/ is rebuilt from scratch above.
await import('./pack-sdk.mjs');
