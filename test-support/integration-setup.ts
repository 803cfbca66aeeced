import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';
import { DEVBINDER, REPO_ROOT } from './podman.js';
import { ensureUdevd } from './udev.js';

/**
 * vitest globalSetup of the `integration` project: real Podman, real udevd, real devices. These
 * tests must not quietly pass on a machine that cannot run them, so every missing piece throws
 * with what to do about it (scripts/setup-host.sh prepares a machine).
 */
export async function setup(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    throw new Error(
      'integration tests need root (real udev rules, loop devices, rootful Podman); run them as root, e.g. via .ci/run',
    );
  }
  if (!existsSync(DEVBINDER)) {
    throw new Error(`${DEVBINDER} is missing: run pnpm build first`);
  }
  const info = await run('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}']);
  if (info.exitCode !== 0) {
    throw new Error(
      `podman info failed (exit ${info.exitCode}); scripts/setup-host.sh installs and configures Podman:\n${info.stderr}`,
    );
  }
  await ensureUdevd();
  const image = await run(join(REPO_ROOT, 'scripts/build-test-image.sh'), []);
  if (image.exitCode !== 0) {
    throw new Error(`cannot build the test image: ${image.stderr}${image.stdout}`);
  }
}
