/**
 * Builds the malicious plugins into real components, once: a build is kept under
 * node_modules/.cache, keyed by a hash of everything that goes into it (the plugin's sources, the
 * SDK and build code, the WIT, the componentize-js version), so unchanged plugins are not rebuilt.
 * Test files in parallel workers share one build through a lock file.
 *
 * Most are TypeScript built like any plugin (`plugin build`). The hand-made ones are components
 * written in WAT (`component.wat` and `manifest.json`), for what a TypeScript plugin cannot be:
 * start code that never ends, several memories, tables.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlugin, type WasiFeature } from '@devbinder/plugin-build';
import { WIT_PACKAGE } from '@devbinder/plugin-sdk';

const require = createRequire(import.meta.url);
const sources = fileURLToPath(new URL('./plugins', import.meta.url));
const cache = fileURLToPath(
  new URL('../../../../node_modules/.cache/devbinder-malicious-plugins', import.meta.url),
);

export const MALICIOUS_PLUGINS = [
  'loop',
  'memory-bomb',
  'forbidden-imports',
  'bad-output',
  'errors',
  'everything',
  'slow-start',
  'two-memories',
  'table-bomb',
] as const;
export type MaliciousPlugin = (typeof MALICIOUS_PLUGINS)[number];

const HAND_MADE = new Set<MaliciousPlugin>(['slow-start', 'two-memories', 'table-bomb']);

/** What each plugin is built with beyond its sources. */
const WASI: Partial<Record<MaliciousPlugin, WasiFeature[]>> = {
  'forbidden-imports': ['clocks', 'random', 'stdio'],
};

/** Two builds at a time: each takes a core and ~800 MB for ~10 s. */
const PARALLEL_BUILDS = 2;

/**
 * Returns a plugin directory (for `--plugin-dir` or a PluginRegistry) holding every malicious
 * plugin, building the ones whose inputs changed since the last build.
 */
export async function maliciousPluginDir(): Promise<string> {
  mkdirSync(cache, { recursive: true });
  const release = await lock(join(cache, '.lock'));
  try {
    const built = new Map<MaliciousPlugin, string>();
    const missing: Array<{ name: MaliciousPlugin; target: string }> = [];
    for (const name of MALICIOUS_PLUGINS) {
      const target = join(cache, `${name}-${inputsHash(name)}`);
      built.set(name, target);
      if (!isIntact(target)) missing.push({ name, target });
    }
    await inParallel(missing, PARALLEL_BUILDS, async ({ name, target }) => {
      const staging = `${target}.${process.pid}.tmp`;
      rmSync(staging, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
      if (HAND_MADE.has(name)) await assemble(join(sources, name), staging);
      else {
        const wasiFeatures = WASI[name];
        await buildPlugin(join(sources, name), {
          outDir: staging,
          ...(wasiFeatures ? { wasiFeatures } : {}),
        });
      }
      renameSync(staging, target);
    });
    const set = join(cache, `set-${hash([...built.values()].join('\n'))}`);
    if (!existsSync(set)) {
      const staging = `${set}.${process.pid}.tmp`;
      mkdirSync(staging, { recursive: true });
      for (const [name, target] of built) symlinkSync(relative(set, target), join(staging, name));
      renameSync(staging, set);
    }
    return set;
  } finally {
    release();
  }
}

/** A hand-made plugin: its WAT assembled into a component, and its manifest completed. */
async function assemble(source: string, outDir: string): Promise<void> {
  const { parse } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const component = await parse(readFileSync(join(source, 'component.wat'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${manifest.name}.wasm`), component);
  const complete = {
    ...manifest,
    wit: WIT_PACKAGE,
    component: `${manifest.name}.wasm`,
    sha256: createHash('sha256').update(component).digest('hex'),
  };
  writeFileSync(join(outDir, 'plugin.json'), `${JSON.stringify(complete, null, 2)}\n`);
}

/** A build is reused only while its component still has the digest its manifest records. */
function isIntact(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8'));
    const component = readFileSync(join(dir, manifest.component));
    return createHash('sha256').update(component).digest('hex') === manifest.sha256;
  } catch {
    return false;
  }
}

function inputsHash(name: MaliciousPlugin): string {
  const sdk = dirname(require.resolve('@devbinder/plugin-sdk/wit/selector.wit'));
  const build = dirname(require.resolve('@devbinder/plugin-build'));
  // The package exports only its ESM entry; pnpm links it into plugin-build's node_modules.
  const componentize = join(
    build,
    '..',
    'node_modules/@bytecodealliance/componentize-js/package.json',
  );
  const files = [
    ...filesUnder(join(sources, name)),
    ...filesUnder(join(sdk, '..', 'dist')),
    join(sdk, 'selector.wit'),
    ...filesUnder(build),
    componentize,
  ];
  return hash(
    JSON.stringify([WASI[name] ?? [], ...files.map((file) => [file, readFileSync(file, 'utf8')])]),
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.map'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(width, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** A lock file holding the owner's pid; a lock whose owner died is taken over. */
async function lock(path: string): Promise<() => void> {
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readFileSync(path, 'utf8');
    // An empty file is a lock being taken right now.
    if (owner !== '' && !isAlive(Number(owner))) rmSync(path, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
