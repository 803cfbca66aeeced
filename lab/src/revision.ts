import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../test-support/exec.js';
import { REPO_ROOT } from '../../test-support/podman.js';
import { CACHE, logged, packCli, scratchDir } from './image.js';
import { REPORT_DIR } from './report.js';

const REVISIONS = join(CACHE, 'revisions');
/**
 * git as the lab runs it, as root: on GitHub the checkout belongs to the runner's user, and git
 * refuses a repository another user owns unless it is named safe.
 */
const GIT = ['-c', `safe.directory=${REPO_ROOT}`, '-C', REPO_ROOT];

export interface PackedRevision {
  /** The full commit id the tarball was built from. */
  commit: string;
  /** A directory holding only the packed CLI of that commit, as `devbinder.tgz`. */
  dir: string;
}

/**
 * devbinder as it was at an earlier commit of this repository, packed as a user would get it:
 * that commit's tree (`git archive`, so nothing of today's checkout leaks in), installed with its
 * own lockfile, built and packed with `pnpm pack`. Kept in lab/.cache/revisions by commit, so only
 * the first run builds it (about 40 s here). The history must be there: a shallow clone fails,
 * saying so.
 */
export async function packedRevision(revision: string): Promise<PackedRevision> {
  const resolved = await run('git', [...GIT, 'rev-parse', '--verify', `${revision}^{commit}`]);
  if (resolved.exitCode !== 0) {
    throw new Error(
      `commit ${revision} is not in the clone at ${REPO_ROOT} (a shallow clone? git fetch --unshallow): ${resolved.stderr.trim()}`,
    );
  }
  const commit = resolved.stdout.trim();
  const dir = join(REVISIONS, commit);
  const tarball = join(dir, 'devbinder.tgz');
  if (existsSync(tarball)) return { commit, dir };

  await mkdir(dir, { recursive: true });
  const logFile = join(REPORT_DIR, `revision-${commit.slice(0, 12)}.log`);
  const tree = await scratchDir(`revision-${commit.slice(0, 12)}`);
  try {
    const archive = join(tree, 'tree.tar');
    await logged(logFile, 'git', [...GIT, 'archive', '--output', archive, commit]);
    await logged(logFile, 'tar', ['-x', '-f', archive, '-C', tree]);
    const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
    await logged(logFile, 'pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], {
      cwd: tree,
      env,
    });
    await logged(logFile, 'pnpm', ['exec', 'turbo', 'run', 'build', '--filter', 'devbinder...'], {
      cwd: tree,
      env,
    });
    // Under another name until it is whole: a run killed half-way must not leave a "cached" one.
    await packCli(`${tarball}.partial`, tree);
    await rename(`${tarball}.partial`, tarball);
    return { commit, dir };
  } finally {
    // The tree holds a whole workspace (tests included): nothing else may come across it.
    await rm(tree, { recursive: true, force: true });
  }
}
