import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginError } from './errors.js';
import type { PluginEntry } from './registry.js';

/**
 * Checks a component against its manifest's sha256. Hashing 12 MB costs ~25 ms, too much for a hook
 * that runs at every container start, so a successful check is remembered with the file's identity
 * (device, inode, size, mtime, ctime); a file that changes in any of them is hashed again.
 */
export function verifyComponent(entry: PluginEntry, stampDir: string): void {
  const { componentPath, manifest, manifestPath } = entry;
  let identity: string;
  try {
    const info = statSync(componentPath, { bigint: true });
    identity = [info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs].join(':');
  } catch (error) {
    throw new PluginError(
      manifest.name,
      'not-found',
      `${manifestPath} names ${componentPath}, which cannot be read: ${(error as Error).message}`,
    );
  }
  const stamp = join(stampDir, `${createHash('sha256').update(componentPath).digest('hex')}.stamp`);
  const expected = `${manifest.sha256} ${identity}`;
  try {
    if (readFileSync(stamp, 'utf8') === expected) return;
  } catch {
    // No stamp yet: hash below.
  }
  const actual = createHash('sha256').update(readFileSync(componentPath)).digest('hex');
  if (actual !== manifest.sha256) {
    throw new PluginError(
      manifest.name,
      'digest-mismatch',
      `${componentPath} has sha256 ${actual}, but ${manifestPath} says ${manifest.sha256}`,
    );
  }
  mkdirSync(stampDir, { recursive: true, mode: 0o700 });
  writeFileSync(`${stamp}.${process.pid}`, expected);
  renameSync(`${stamp}.${process.pid}`, stamp);
}
