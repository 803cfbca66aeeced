import { statSync } from 'node:fs';
import type { UdevDatabase } from '@devbinder/udev';

/**
 * udevd renames every database change into /run/udev/data (and deletes files of removed
 * devices), so the directory's identity (inode, mtime, ctime) moves with every change. File times
 * come from a coarse clock: a read that starts this long after the last change is sure to see a
 * later change as a new mtime. A read closer to a change is not trusted past the next request.
 */
const SETTLED_MS = 50;

/** The database as last read, with what the reader warned about while reading it. */
export interface DatabaseView {
  database: UdevDatabase;
  /** Warnings of the read (no udevd, malformed files), replayed to each hook as it would see them. */
  warnings: readonly string[];
}

/**
 * The udev database, kept in memory and read again only when it may have changed: after an event
 * or a monitor gap (`invalidate`), or when /run/udev/data moved since the last read.
 */
export class LiveDatabase {
  private view: DatabaseView | undefined;
  private identity: string | undefined;
  private settled = false;
  private stale = true;

  constructor(
    private readonly read: (warn: (message: string) => void) => UdevDatabase,
    private readonly dataDir = '/run/udev/data',
  ) {}

  /** Forget the database: the next `current()` reads it again. */
  invalidate(): void {
    this.stale = true;
  }

  /** The database as last read, without checking whether it changed since. */
  last(): DatabaseView | undefined {
    return this.view;
  }

  /** The database as it is now. */
  current(): DatabaseView {
    const before = directoryIdentity(this.dataDir);
    if (
      this.view &&
      !this.stale &&
      this.settled &&
      before !== undefined &&
      before.key === this.identity
    ) {
      return this.view;
    }
    const started = Date.now();
    const warnings: string[] = [];
    const database = this.read((message) => warnings.push(message));
    const after = directoryIdentity(this.dataDir);
    this.view = { database, warnings };
    // Without /run/udev/data (sysfs only) nothing signals change: every call reads again.
    this.identity = after?.key === before?.key ? after?.key : undefined;
    this.settled = before !== undefined && started - before.mtimeMs >= SETTLED_MS;
    this.stale = false;
    return this.view;
  }
}

function directoryIdentity(dir: string): { key: string; mtimeMs: number } | undefined {
  try {
    const info = statSync(dir, { bigint: true });
    return {
      key: [info.dev, info.ino, info.mtimeNs, info.ctimeNs].join(':'),
      mtimeMs: Number(info.mtimeMs),
    };
  } catch {
    return undefined;
  }
}
