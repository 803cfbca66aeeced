import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import {
  type ComponentSummary,
  digestMismatch,
  inspectComponent,
  type PluginEntry,
  PluginError,
  PluginRegistry,
} from '@devbinder/plugin-host';
import { CliError, ExitCode } from '../exit-codes.js';
import { writeAllSync } from '../io.js';
import { bundledPluginsDir } from '../layout.js';
import { pluginSearchPath } from '../runtime.js';
import { renderTable } from '../table.js';

export interface PluginListOptions {
  pluginDir: string[];
  json: boolean;
}

/** `devbinder plugin list`: every plugin on the search path, and the files that cannot be used. */
export function runPluginList(options: PluginListOptions): ExitCode {
  const registry = new PluginRegistry(pluginSearchPath(options.pluginDir));
  const plugins = registry.list().map((entry) => ({
    name: entry.manifest.name,
    version: entry.manifest.version,
    wit: entry.manifest.wit,
    description: entry.manifest.description,
    argument: entry.manifest.argument.syntax,
    from: origin(entry),
    manifest: entry.manifestPath,
  }));
  const problems = registry
    .listProblems()
    .map(({ name, error }) => ({ name, kind: error.kind, message: error.message }));
  if (options.json) {
    writeAllSync(1, `${JSON.stringify({ plugins, problems }, null, 2)}\n`);
  } else {
    let out = renderTable(
      ['NAME', 'VERSION', 'FROM', 'ARGUMENT', 'DESCRIPTION'],
      plugins.map((plugin) => [
        plugin.name,
        plugin.version,
        plugin.from,
        plugin.argument,
        plugin.description,
      ]),
    );
    if (problems.length > 0) {
      out += `\nCannot be used:\n${problems.map(({ message }) => `  ${message}\n`).join('')}`;
    }
    out += `\nSearched, later overriding earlier: ${registry.searchPath.join(', ')}\n`;
    writeAllSync(1, out);
  }
  // A broken plugin file is bad input an administrator should fix, even if the rest are fine.
  return problems.length > 0 ? ExitCode.badInput : ExitCode.ok;
}

export interface PluginInspectOptions {
  pluginDir: string[];
  json: boolean;
}

/** `devbinder plugin inspect NAME`: the manifest, and what the component really is. */
export async function runPluginInspect(
  name: string,
  options: PluginInspectOptions,
): Promise<ExitCode> {
  const registry = new PluginRegistry(pluginSearchPath(options.pluginDir));
  let entry: PluginEntry;
  try {
    entry = registry.get(name);
  } catch (error) {
    if (error instanceof PluginError) throw new CliError(error.message, ExitCode.badInput);
    throw error;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(entry.componentPath);
  } catch (error) {
    throw new CliError(
      `${entry.manifestPath} names ${entry.componentPath}, which cannot be read: ${(error as Error).message}`,
      ExitCode.badInput,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const { manifest } = entry;
  const mismatch = digestMismatch({ ...entry, sha256: manifest.sha256 }, sha256);
  const digestProblems = mismatch === undefined ? [] : [mismatch];
  let summary: ComponentSummary;
  try {
    summary = await inspectComponent(manifest.name, bytes);
  } catch (error) {
    const detail = error instanceof PluginError ? error.detail : (error as Error).message;
    const problems = [
      ...digestProblems,
      `${entry.componentPath} is not a WebAssembly component: ${detail}`,
    ];
    throw new CliError(`plugin "${manifest.name}": ${problems.join('; ')}`, ExitCode.badInput);
  }
  // What the host would refuse it for, decided as the host decides it.
  const forbidden = summary.hostImports;
  const problems = [
    ...digestProblems,
    ...(forbidden.length === 0
      ? []
      : [`it imports from the host, so the host will refuse it: ${forbidden.join(', ')}`]),
  ];
  const report = {
    ...manifest,
    manifestPath: entry.manifestPath,
    componentPath: entry.componentPath,
    from: origin(entry),
    size: statSync(entry.componentPath).size,
    digest: { sha256, matchesManifest: sha256 === manifest.sha256 },
    imports: summary.imports,
    exports: summary.exports,
    problems,
  };
  if (options.json) {
    writeAllSync(1, `${JSON.stringify(report, null, 2)}\n`);
  } else {
    const rows: Array<[string, string]> = [
      ['name', manifest.name],
      ['version', manifest.version],
      ['description', manifest.description],
      ['author', manifest.author],
      ['WIT', manifest.wit],
      ['argument', manifest.argument.syntax],
      ...manifest.argument.examples.map((example): [string, string] => [
        'example',
        `io.dev-binder.udev.${manifest.name}=${example}`,
      ]),
      ['manifest', entry.manifestPath],
      ['component', entry.componentPath],
      ['from', report.from],
      ['size', `${report.size} bytes (${(report.size / 2 ** 20).toFixed(1)} MiB)`],
      [
        'sha256',
        `${sha256} (${sha256 === manifest.sha256 ? 'matches' : 'DOES NOT MATCH'} the manifest)`,
      ],
      ...(summary.imports.length === 0
        ? [['imports', 'nothing'] as [string, string]]
        : summary.imports.map(({ name: imported, typesOnly }): [string, string] => [
            'imports',
            typesOnly ? `${imported} (types only)` : `${imported} (FORBIDDEN)`,
          ])),
      ...summary.exports.map((exported): [string, string] => ['exports', exported]),
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    writeAllSync(1, rows.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join(''));
  }
  if (problems.length > 0) {
    throw new CliError(`plugin "${manifest.name}": ${problems.join('; ')}`, ExitCode.badInput);
  }
  return ExitCode.ok;
}

function origin(entry: PluginEntry): string {
  return entry.origin === bundledPluginsDir ? 'bundled' : entry.origin;
}
