import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CliError, ExitCode } from '../exit-codes.js';
import { writeAllSync } from '../io.js';

/** The slice of @devbinder/plugin-build this command uses. */
interface PluginBuilder {
  buildPlugin(
    dir: string,
    options: { onStep: (step: string, detail: string) => void },
  ): Promise<{
    manifest: { name: string; version: string; sha256: string };
    manifestPath: string;
    componentPath: string;
  }>;
}

/** Errors that mean the plugin's project or code is at fault, not devbinder or the machine. */
const BAD_INPUT = new Set(['PluginProjectError', 'BundleError', 'ComponentizeError']);

/**
 * `devbinder plugin build [DIR]`: the plugin project in DIR (default: here) into
 * `DIR/dist/<name>.wasm` and `DIR/dist/plugin.json`.
 *
 * The compiler (componentize-js, ~380 MB) is not part of devbinder, which every Podman host
 * installs: it comes with @devbinder/plugin-build, a devDependency of the plugin's own project
 * (`plugin new` sets that up). It is looked up from the project first, then next to devbinder
 * (a checkout of devbinder has it there).
 */
export async function runPluginBuild(
  dir: string | undefined,
  options: { json: boolean },
): Promise<ExitCode> {
  const project = resolve(dir ?? '.');
  const builder = await loadBuilder(project);
  const started = performance.now();
  let built: Awaited<ReturnType<PluginBuilder['buildPlugin']>>;
  try {
    built = await builder.buildPlugin(project, {
      onStep: (step, detail) => writeAllSync(2, `devbinder plugin build: ${step} ${detail}\n`),
    });
  } catch (error) {
    if (error instanceof Error && BAD_INPUT.has(error.name)) {
      throw new CliError(error.message, ExitCode.badInput);
    }
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const { manifest, manifestPath, componentPath } = built;
  if (options.json) {
    writeAllSync(1, `${JSON.stringify({ ...built, seconds }, null, 2)}\n`);
  } else {
    writeAllSync(
      1,
      `Built ${manifest.name} ${manifest.version} in ${seconds.toFixed(1)} s:\n  ${componentPath}\n  ${manifestPath} (sha256 ${manifest.sha256})\n`,
    );
  }
  return ExitCode.ok;
}

async function loadBuilder(project: string): Promise<PluginBuilder> {
  const found =
    resolveFrom(join(project, 'package.json')) ?? resolveFrom(fileURLToPath(import.meta.url));
  if (found === undefined) {
    throw new CliError(
      `@devbinder/plugin-build is not installed in ${project}: run npm install there (devbinder plugin new lists it in devDependencies)`,
      ExitCode.environment,
    );
  }
  return (await import(pathToFileURL(found).href)) as PluginBuilder;
}

function resolveFrom(base: string): string | undefined {
  try {
    return createRequire(base).resolve('@devbinder/plugin-build');
  } catch {
    return undefined;
  }
}
