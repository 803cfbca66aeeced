import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE, type PluginManifest, WIT_PACKAGE } from '@devbinder/plugin-sdk';
import { bundleEntry } from './bundle.js';
import { componentizeSelector, type WasiFeature } from './componentize.js';
import { readPluginProject } from './project.js';

export interface BuiltPlugin {
  manifest: PluginManifest;
  manifestPath: string;
  componentPath: string;
}

export interface BuildOptions {
  /** Where `plugin.json` and the component go; default `<dir>/dist`. */
  outDir?: string;
  /** Called at each step, for progress output. */
  onStep?: (step: 'bundle' | 'componentize' | 'write', detail: string) => void;
  /**
   * WASI features to build in. Only for testing that hosts refuse such components: devbinder loads
   * no component that imports anything.
   */
  wasiFeatures?: readonly WasiFeature[];
}

const witPath = createRequire(import.meta.url).resolve('@devbinder/plugin-sdk/wit/selector.wit');

/** Builds the plugin in `dir` (a package.json with a `devbinder` section) into a component + manifest. */
export async function buildPlugin(dir: string, options: BuildOptions = {}): Promise<BuiltPlugin> {
  const project = await readPluginProject(dir);
  const outDir = options.outDir ?? join(dir, 'dist');
  const step = options.onStep ?? (() => {});

  step('bundle', project.entry);
  const source = await bundleEntry(project.entry);
  const work = await mkdtemp(join(tmpdir(), `devbinder-plugin-${project.name}-`));
  try {
    const sourcePath = join(work, `${project.name}.js`);
    await writeFile(sourcePath, source);
    step('componentize', sourcePath);
    const component = await componentizeSelector({
      sourcePath,
      witPath,
      ...(options.wasiFeatures ? { wasiFeatures: options.wasiFeatures } : {}),
    });

    const manifest: PluginManifest = {
      name: project.name,
      version: project.version,
      wit: WIT_PACKAGE,
      description: project.description,
      argument: project.argument,
      author: project.author,
      component: `${project.name}.wasm`,
      sha256: createHash('sha256').update(component).digest('hex'),
    };
    await mkdir(outDir, { recursive: true });
    const componentPath = join(outDir, manifest.component);
    const manifestPath = join(outDir, MANIFEST_FILE);
    step('write', outDir);
    // Component first, manifest last: a manifest never names a component that is not there yet.
    await writeAtomically(componentPath, component);
    await writeAtomically(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifest, manifestPath, componentPath };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
