import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { run } from '../../test-support/exec.js';
import { DEVBINDER } from '../../test-support/podman.js';
import { ensureLabImage, parseRecipe } from './image.js';
import { type PodmanService, startPodmanService } from './podman-service.js';
import {
  buildReport,
  ENVIRONMENT_JSON,
  type LabEnvironment,
  type Machine,
  REPORT_DIR,
  writeReport,
} from './report.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The lab host image every scenario starts. */
    labImage: string;
    /** `unix:///…/podman.sock`: the Docker-compatible API testcontainers uses. */
    dockerHost: string;
  }
}

function log(line: string): void {
  process.stderr.write(`lab: ${line}\n`);
}

async function machine(): Promise<Machine> {
  const podman = await run('podman', ['--version']);
  return {
    kernel: release(),
    podman: podman.stdout.trim() || `podman --version failed: ${podman.stderr.trim()}`,
    cgroup: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
  };
}

/** Everything a lab run needs and cannot do without: says what is missing and how to get it. */
async function preconditions(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    throw new Error(
      'the lab needs root: its hosts are privileged containers of rootful Podman that attach loop and zram devices; run `sudo pnpm lab`',
    );
  }
  if (!existsSync(DEVBINDER)) throw new Error(`${DEVBINDER} is missing: run pnpm build first`);
  const info = await run('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}']);
  if (info.exitCode !== 0) {
    throw new Error(
      `podman info failed (exit ${info.exitCode}); scripts/setup-host.sh installs and configures Podman:\n${info.stderr}`,
    );
  }
}

/**
 * vitest globalSetup of the lab: finds or builds the lab image (LAB_IMAGE=debian|fedora,
 * LAB_REBUILD=1 to build from scratch), starts Podman's API for testcontainers, and records what
 * the report needs. A lab that cannot run fails here, loudly, and still leaves a report.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  const startedAt = new Date();
  await rm(ENVIRONMENT_JSON, { force: true });
  await mkdir(REPORT_DIR, { recursive: true });
  const environment: LabEnvironment = { machine: await machine(), setupSeconds: 0 };
  const record = async () => {
    environment.setupSeconds = (performance.now() - started) / 1000;
    await writeFile(ENVIRONMENT_JSON, `${JSON.stringify(environment, null, 2)}\n`);
  };

  let service: PodmanService | undefined;
  try {
    await preconditions();
    const recipe = parseRecipe(process.env.LAB_IMAGE ?? 'debian', 'LAB_IMAGE');
    environment.image = await ensureLabImage({
      recipe,
      rebuild: process.env.LAB_REBUILD === '1',
      log,
      logFile: join(REPORT_DIR, `image-${recipe}.log`),
    });
    // An API the caller already runs (DOCKER_HOST) is used as it is.
    let dockerHost = process.env.DOCKER_HOST;
    if (dockerHost === undefined) {
      service = await startPodmanService();
      dockerHost = service.dockerHost;
      log(`Podman API on ${dockerHost}`);
    }
    project.provide('labImage', environment.image.reference);
    project.provide('dockerHost', dockerHost);
    await record();
  } catch (error) {
    environment.setupError = (error as Error).message;
    await record();
    await service?.stop();
    // vitest reports nothing when its global setup fails: leave the report here.
    writeReport(buildReport(startedAt, (performance.now() - started) / 1000, environment, [], []));
    throw error;
  }
  return async () => {
    await service?.stop();
  };
}
