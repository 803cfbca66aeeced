import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Podman's Docker-compatible API on a private socket: what testcontainers talks to. */
export interface PodmanService {
  /** `unix:///…/podman.sock`, for DOCKER_HOST. */
  dockerHost: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts `podman system service` and waits until it answers. */
export async function startPodmanService(): Promise<PodmanService> {
  const dir = await mkdtemp(join(tmpdir(), 'devbinder-lab-api-'));
  const socketPath = join(dir, 'podman.sock');
  // --time=0: no idle exit; a scenario may go quiet for a while. stop() ends it.
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`podman system service did not answer on ${socketPath}:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { dockerHost: `unix://${socketPath}`, stop };
}
