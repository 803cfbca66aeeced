import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  isSupportedWit,
  MANIFEST_FILE,
  ManifestError,
  type PluginManifest,
  parseManifest,
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
  /** Selector name when known, else the manifest path. */
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

  /** Plugins that were found but cannot be used (bad manifest, duplicates, …). */
  listProblems(): PluginProblem[] {
    return [...this.problems].map(([name, error]) => ({ name, error }));
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
      try {
        manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
      } catch (error) {
        // Without a readable name, the manifest's path is what names the plugin.
        const detail = error instanceof ManifestError ? error.detail : (error as Error).message;
        problems.set(manifestPath, new PluginError(manifestPath, 'invalid-manifest', detail));
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
