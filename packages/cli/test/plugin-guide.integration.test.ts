/**
 * Runs docs/plugin-guide.md, so it cannot rot: every ```sh guide block, in order, in one shell,
 * with every ```ts file=PATH block written where the guide says, in a fresh directory outside
 * this repository. The guide's commands run as written except for what this machine changes:
 *   - `devbinder` is the one built here (a shim on PATH), as `scripts/install.sh` would install it;
 *   - `sudo` is dropped: the integration tests run as root;
 *   - npm runs offline from its cache (tests reach no registry; scripts/setup-host.sh fills it);
 *   - Podman finds the hook through a containers.conf naming a fresh hooks directory, and runs the
 *     locally built test image instead of busybox from a registry.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../test-support/exec.js';
import { DEVBINDER, REPO_ROOT, TEST_IMAGE } from '../../../test-support/podman.js';

const GUIDE = join(REPO_ROOT, 'docs/plugin-guide.md');
const INSTALLED = '/etc/devbinder/plugins/fslabel';

/** The guide as one bash script: its shell blocks, and its files written in between. */
function guideScript(markdown: string): string {
  const blocks = [...markdown.matchAll(/^```(\S+)(?: ([^\n]*))?\n([\s\S]*?)^```$/gm)];
  const steps: string[] = [];
  for (const [, language, info = '', body = ''] of blocks) {
    const file = /^file=(\S+)$/.exec(info)?.[1];
    if (language === 'sh' && info === 'guide') steps.push(body);
    else if (file)
      steps.push(`cat > ${file} <<'DEVBINDER_GUIDE_FILE'\n${body}DEVBINDER_GUIDE_FILE\n`);
  }
  return ['set -euxo pipefail', ...steps]
    .join('\n')
    .replaceAll('sudo ', '')
    .replaceAll('docker.io/library/busybox', TEST_IMAGE);
}

let work: string;
let script: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'devbinder-guide-'));
  script = guideScript(await readFile(GUIDE, 'utf8'));
  const bin = join(work, 'bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'devbinder'),
    `#!/bin/sh\nexec ${process.execPath} ${DEVBINDER} "$@"\n`,
  );
  await chmod(join(bin, 'devbinder'), 0o755);
  const hooks = join(work, 'hooks.d');
  const installed = await run(process.execPath, [
    DEVBINDER,
    'hook',
    '--print-config',
    '--hooks-dir',
    hooks,
    '--cache-dir',
    join(work, 'cache'),
  ]);
  if (installed.exitCode !== 0) throw new Error(`cannot install the hook: ${installed.stderr}`);
  // This machine's Podman settings, plus the hooks directory.
  const system = await readFile('/etc/containers/containers.conf', 'utf8');
  if (!system.includes('[engine]'))
    throw new Error('/etc/containers/containers.conf has no [engine]');
  await writeFile(
    join(work, 'containers.conf'),
    system.replace('[engine]', `[engine]\nhooks_dir = ["${hooks}"]`),
  );
});

afterAll(async () => {
  // A failed run stops before the guide's own clean-up.
  const attached = await run('losetup', ['--associated', join(work, 'fslabel/guide-disk.img')]);
  for (const line of attached.stdout.split('\n')) {
    const device = line.split(':')[0];
    if (device) await run('losetup', ['--detach', device]);
  }
  await rm(INSTALLED, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('docs/plugin-guide.md', () => {
  it('has shell steps and files to run', () => {
    expect(script).toContain('devbinder plugin new fslabel');
    expect(script).toContain("cat > src/index.ts <<'DEVBINDER_GUIDE_FILE'");
    expect(script).toContain('podman run');
  });

  it('takes a newcomer from plugin new to a container that gets a device through the plugin', async () => {
    const result = await run('bash', ['-c', script], { cwd: work, env: guideEnvironment() });
    const transcript = `${result.stderr}\n${result.stdout}`;
    if (/ENOTCACHED|offline/.test(transcript) && result.exitCode !== 0) {
      throw new Error(
        `npm could not install the plugin project offline; scripts/setup-host.sh fills npm's cache for this test:\n${transcript}`,
      );
    }
    expect(result.exitCode, transcript).toBe(0);
    // explain found the labelled loop device through the freshly built plugin …
    expect(result.stdout).toMatch(
      /\/dev\/loop\d+ +b +7:\d+ +io\.dev-binder\.udev\.fslabel +filesystem label DEVBINDER-GUIDE/,
    );
    // … plugin list and inspect see it installed, unchanged and importing nothing …
    expect(result.stdout).toMatch(
      /fslabel +0\.1\.0 +\/etc\/devbinder\/plugins +<label-glob> +Block devices by filesystem label/,
    );
    expect(result.stdout).toMatch(/sha256 +[0-9a-f]{64} \(matches the manifest\)/);
    expect(result.stdout).toContain('imports      devbinder:selector/types@0.3.0 (types only)');
    // … and the container, required to get it, got the node.
    expect(result.stdout).toMatch(/^brw-[-rw]{6}\s+1 \S+\s+\S+\s+7,\s+\d+ .*\/dev\/loop\d+$/m);
  }, 600_000);
});

/** A login shell's environment, not this test runner's (pnpm's NODE_PATH, npm_config_*, …). */
function guideEnvironment(): NodeJS.ProcessEnv {
  return {
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    PATH: `${join(work, 'bin')}:${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    CONTAINERS_CONF: join(work, 'containers.conf'),
  };
}
