import { createHash } from 'node:crypto';
import {
  type BigIntStats,
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { PluginError } from './errors.js';

/**
 * A component's sha256 must match its manifest. Hashing 12 MB costs ~25 ms, too much for a hook
 * that runs at every container start, so a successful check is remembered in a stamp with the
 * file's identity (device, inode, size, mtime, ctime): a file that still has that identity is the
 * file whose bytes were hashed. Any change to it changes its ctime, so it is hashed again.
 */
export interface ComponentFile {
  plugin: string;
  componentPath: string;
  manifestPath: string;
  /** What the manifest says. */
  sha256: string;
  maxComponentMiB: number;
}

/** The identity of the component file now; refuses a missing or oversized one. */
export function componentIdentity(file: ComponentFile): string {
  let info: BigIntStats;
  try {
    info = statSync(file.componentPath, { bigint: true });
  } catch (error) {
    throw unreadable(file, error);
  }
  return identityOf(file, info);
}

/** Whether the stamp says the file, as it is now, was hashed and matched its manifest. */
export function isStamped(file: ComponentFile, identity: string, stampDir: string): boolean {
  try {
    return readFileSync(stampPath(file, stampDir), 'utf8') === `${file.sha256} ${identity}`;
  } catch {
    return false;
  }
}

/**
 * Reads the component once and checks those very bytes against the manifest: the bytes returned
 * are the bytes that were hashed (the caller transpiles them). Stamps the file on success.
 */
export function readVerified(file: ComponentFile, stampDir: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file.componentPath, 'r');
  } catch (error) {
    throw unreadable(file, error);
  }
  let bytes: Uint8Array;
  let identity: string;
  try {
    identity = identityOf(file, fstatSync(fd, { bigint: true }));
    bytes = readFileSync(fd);
    if (identityOf(file, fstatSync(fd, { bigint: true })) !== identity) {
      throw new PluginError(
        file.plugin,
        'load-failed',
        `${file.componentPath} changed while it was being read`,
      );
    }
  } finally {
    closeSync(fd);
  }
  const mismatch = digestMismatch(file, createHash('sha256').update(bytes).digest('hex'));
  if (mismatch !== undefined) throw new PluginError(file.plugin, 'digest-mismatch', mismatch);
  const stamp = stampPath(file, stampDir);
  const temporary = `${stamp}.${process.pid}.${threadId}`;
  mkdirSync(stampDir, { recursive: true, mode: 0o700 });
  writeFileSync(temporary, `${file.sha256} ${identity}`);
  renameSync(temporary, stamp);
  return bytes;
}

/** Why a component whose bytes hash to `actual` is not the one its manifest names; undefined when it is. */
export function digestMismatch(
  file: Pick<ComponentFile, 'componentPath' | 'manifestPath' | 'sha256'>,
  actual: string,
): string | undefined {
  if (actual === file.sha256) return undefined;
  return `${file.componentPath} has sha256 ${actual}, but ${file.manifestPath} says ${file.sha256}`;
}

function unreadable(file: ComponentFile, error: unknown): PluginError {
  return new PluginError(
    file.plugin,
    'not-found',
    `${file.manifestPath} names ${file.componentPath}, which cannot be read: ${(error as Error).message}`,
  );
}

/** Nanosecond times and exact inode numbers: bigint stats. */
function identityOf(file: ComponentFile, info: BigIntStats): string {
  const limit = BigInt(file.maxComponentMiB) * 2n ** 20n;
  if (info.size > limit) {
    throw new PluginError(
      file.plugin,
      'load-failed',
      `${file.componentPath} is ${(Number(info.size) / 2 ** 20).toFixed(1)} MiB, more than the ${file.maxComponentMiB} MiB a component may have (maxComponentMiB)`,
    );
  }
  return [info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs].join(':');
}

function stampPath(file: ComponentFile, stampDir: string): string {
  return join(stampDir, `${createHash('sha256').update(file.componentPath).digest('hex')}.stamp`);
}
