import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  isSupportedWit,
  MANIFEST_FILE,
  ManifestError,
  type PluginManifest,
  parseManifest,
  SELECTOR_NAME,
  WIT_PACKAGE,
} from '@devbinder/plugin-sdk';
import { PluginError } from './errors.js';

/** A plugin found on the search path. */
export interface PluginEntry {
  manifest: PluginManifest;
  manifestPath: string;
  componentPath: string;
  /** The search directory it came from. */
  origin: string;
}

/** A plugin file that could not be used, kept so a selector naming it gets the real reason. */
export interface PluginProblem {
  /** The selector name it blocks (see claimedNames), else the manifest path. */
  name: string;
  error: PluginError;
}

/**
 * The plugins visible to the host. Search directories are listed lowest precedence first (bundled,
 * then /usr/lib/devbinder/plugins, then /etc/devbinder/plugins, then --plugin-dir): a plugin in a
 * later directory overrides one with the same name in an earlier one. Each directory holds plugin
 * directories (`<dir>/<any>/plugin.json`) or is one (`<dir>/plugin.json`).
 */
export class PluginRegistry {
  private readonly entries = new Map<string, PluginEntry>();
  private readonly problems = new Map<string, PluginError>();

  constructor(readonly searchPath: readonly string[]) {
    for (const dir of searchPath) this.scan(dir);
  }

  list(): PluginEntry[] {
    return [...this.entries.values()].sort((a, b) =>
      a.manifest.name.localeCompare(b.manifest.name),
    );
  }

  /** Plugins that were found but cannot be used (bad manifest, duplicates, …), each once. */
  listProblems(): PluginProblem[] {
    const byError = new Map<PluginError, string>();
    for (const [name, error] of this.problems) if (!byError.has(error)) byError.set(error, name);
    return [...byError].map(([error, name]) => ({ name, error }));
  }

  get(name: string): PluginEntry {
    const problem = this.problems.get(name);
    if (problem) throw problem;
    const entry = this.entries.get(name);
    if (!entry) {
      const known = [...this.entries.keys()].sort().join(', ') || 'none';
      throw new PluginError(
        name,
        'not-found',
        `no such selector plugin (known: ${known}; searched ${this.searchPath.join(', ')})`,
      );
    }
    return entry;
  }

  private scan(dir: string): void {
    const found = new Map<string, PluginEntry>();
    const problems = new Map<string, PluginError>();
    for (const manifestPath of manifestsIn(dir)) {
      let manifest: PluginManifest;
      let text = '';
      try {
        text = readFileSync(manifestPath, 'utf8');
        manifest = parseManifest(text, manifestPath);
      } catch (error) {
        const detail = error instanceof ManifestError ? error.detail : (error as Error).message;
        const names = claimedNames(dir, manifestPath, text);
        // With no name to stand for, the manifest's path is what names it.
        const problem =
          names[0] === undefined
            ? new PluginError(manifestPath, 'invalid-manifest', detail)
            : new PluginError(names[0], 'invalid-manifest', `${manifestPath}: ${detail}`);
        for (const name of names.length > 0 ? names : [manifestPath]) problems.set(name, problem);
        continue;
      }
      const name = manifest.name;
      const twin = found.get(name);
      if (twin) {
        problems.set(
          name,
          new PluginError(
            name,
            'duplicate',
            `two plugins named "${name}" in ${dir}: ${twin.manifestPath} and ${manifestPath}`,
          ),
        );
      } else if (!isSupportedWit(manifest.wit)) {
        problems.set(
          name,
          new PluginError(
            name,
            'wit-mismatch',
            `${manifestPath} targets ${manifest.wit}, but this host implements ${WIT_PACKAGE}`,
          ),
        );
      }
      found.set(name, {
        manifest,
        manifestPath,
        componentPath: join(dirname(manifestPath), manifest.component),
        origin: dir,
      });
    }
    // A later directory wins, with its plugin or with its problem: an administrator's broken
    // override must fail loudly rather than quietly fall back to the bundled plugin.
    for (const [name, entry] of found) {
      if (problems.has(name)) continue;
      this.problems.delete(name);
      this.entries.set(name, entry);
    }
    for (const [name, problem] of problems) {
      this.entries.delete(name);
      this.problems.set(name, problem);
    }
  }
}

/**
 * The selector names a broken manifest stands for: its plugin directory's name (the guide
 * installs `fslabel` as /etc/devbinder/plugins/fslabel) and the name it gives itself, if it still
 * says one. It blocks those names as a working plugin would override them: a broken override must
 * not quietly leave the plugin it was meant to replace in use.
 */
function claimedNames(dir: string, manifestPath: string, text: string): string[] {
  const names = new Set<string>();
  const folder = dirname(manifestPath);
  if (resolve(folder) !== resolve(dir) && SELECTOR_NAME.test(basename(folder)))
    names.add(basename(folder));
  try {
    const { name } = JSON.parse(text) as { name?: unknown };
    if (typeof name === 'string' && SELECTOR_NAME.test(name)) names.add(name);
  } catch {
    // Not JSON: only the directory names it.
  }
  return [...names];
}

function manifestsIn(dir: string): string[] {
  if (isFile(join(dir, MANIFEST_FILE))) return [join(dir, MANIFEST_FILE)];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((name) => join(dir, name, MANIFEST_FILE)).filter(isFile);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
