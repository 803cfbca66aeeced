import { mkdirSync, statSync } from 'node:fs';

/**
 * Creates `dir` if needed and checks that only this user can write it. The host reads code (glue)
 * and answers from its caches; anyone else able to write there could change what the host does.
 * Returns a reason when the directory is not private.
 */
export function privateDirProblem(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = statSync(dir);
    const uid = process.geteuid?.() ?? info.uid;
    if (info.uid !== uid) return `${dir} is owned by uid ${info.uid}, not ${uid}`;
    if ((info.mode & 0o022) !== 0) return `${dir} is writable by group or others`;
    return undefined;
  } catch (error) {
    return `${dir}: ${(error as Error).message}`;
  }
}
