import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SelectorRunner } from '@devbinder/engine';

/** One load of the selector plugins: a runner over them, and how to let them go. */
export interface PluginLoad {
  runner: SelectorRunner;
  close(): Promise<void>;
}

/** The plugins as they are now, for one pass or one hook answer. */
export interface CurrentPlugins {
  runner: SelectorRunner;
  /**
   * Why the plugins on disk could not be loaded (an invalid limits file), when they could not:
   * `runner` is then the last load that worked, which a hook would not use.
   */
  problem: string | undefined;
}

/** Selector plugins that may change while the daemon runs. */
export interface Selectors {
  /** Runs `use` with the plugins as they are now; they stay loaded until it settles. */
  use<T>(use: (plugins: CurrentPlugins) => Promise<T>): Promise<T>;
}

export interface ReloadingPluginsOptions {
  /** Loads the plugins as they are on disk now; throws when it cannot (an invalid limits file). */
  load(): PluginLoad;
  /** Changes whenever what `load` reads may have changed (see `pathsFingerprint`). */
  fingerprint(): string;
  /** A new load is in use: decisions made with the old one may be out of date. */
  onReload(): void;
  /** The plugins on disk could not be loaded; reported once per state of the files. */
  onLoadFailed(message: string): void;
}

interface Load extends PluginLoad {
  fingerprint: string;
  users: number;
}

/**
 * The plugins on the search path as they are now, not as they were at start: each use compares
 * a fingerprint of the plugin directories and the limits file (a few dozen stat calls) with the
 * load's, and loads again when it differs. A load that is replaced closes once the uses under way
 * with it have settled, so a hook or pass is never cut off from its plugins half-way.
 */
export class ReloadingPlugins implements Selectors {
  private current: Load;
  private readonly retired = new Set<Load>();
  private failed: { fingerprint: string; message: string } | undefined;

  /** Loads the plugins now; throws what `load` throws. */
  constructor(private readonly options: ReloadingPluginsOptions) {
    const fingerprint = options.fingerprint();
    this.current = { ...options.load(), fingerprint, users: 0 };
  }

  async use<T>(use: (plugins: CurrentPlugins) => Promise<T>): Promise<T> {
    const load = this.refresh();
    load.users++;
    try {
      return await use({ runner: load.runner, problem: this.failed?.message });
    } finally {
      load.users--;
      this.closeRetired();
    }
  }

  /** Closes every load, in use or not (the daemon has stopped). */
  async close(): Promise<void> {
    const loads = [...this.retired, this.current];
    this.retired.clear();
    await Promise.all(loads.map((load) => load.close()));
  }

  private refresh(): Load {
    // Taken before loading: a change made while loading shows at the next use.
    const fingerprint = this.options.fingerprint();
    if (fingerprint === this.current.fingerprint) {
      this.failed = undefined;
      return this.current;
    }
    if (fingerprint === this.failed?.fingerprint) return this.current;
    let loaded: PluginLoad;
    try {
      loaded = this.options.load();
    } catch (error) {
      this.failed = { fingerprint, message: (error as Error).message };
      this.options.onLoadFailed(this.failed.message);
      return this.current;
    }
    this.failed = undefined;
    this.retired.add(this.current);
    this.current = { ...loaded, fingerprint, users: 0 };
    this.closeRetired();
    this.options.onReload();
    return this.current;
  }

  private closeRetired(): void {
    for (const load of this.retired) {
      if (load.users > 0) continue;
      this.retired.delete(load);
      void load.close();
    }
  }
}

/**
 * Identifies what is at the paths now, two levels deep: each path (a file, or a directory and its
 * entries, and theirs: a plugin search directory, its plugin directories and their files), by
 * inode, size and modification and change times. Adding, removing, replacing or rewriting any of
 * those changes it; contents are not read.
 */
export function pathsFingerprint(paths: readonly string[]): string {
  const parts: string[] = [];
  const visit = (path: string, depth: number) => {
    const info = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (!info) {
      parts.push(`${path} absent`);
      return;
    }
    parts.push(`${path} ${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`);
    if (!info.isDirectory() || depth === 0) return;
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch (error) {
      parts.push(`${path} unreadable: ${(error as NodeJS.ErrnoException).code}`);
      return;
    }
    for (const name of names) visit(join(path, name), depth - 1);
  };
  for (const path of paths) visit(path, 2);
  return parts.join('\n');
}
