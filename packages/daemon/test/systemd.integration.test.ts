import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../test-support/exec.js';
import { DEVBINDER, workDir } from './support/lab.js';

/*
 * The shipped unit file: systemd accepts it, and the command it runs is one devbinder accepts.
 * (No systemd runs as PID 1 on the CI machine, so the unit is verified, not started: the daemon
 * itself is tested by the other files.)
 */

const UNIT = new URL('../systemd/devbinder-daemon.service', import.meta.url);
const unit = readFileSync(UNIT, 'utf8');
const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(' ') ?? [];

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  work = await workDir('daemon-unit');
});
afterAll(async () => {
  await work?.remove();
});

describe('systemd/devbinder-daemon.service', () => {
  it('is what the CLI ships in dist/systemd', () => {
    const shipped = readFileSync(
      join(DEVBINDER, '..', 'systemd', 'devbinder-daemon.service'),
      'utf8',
    );
    expect(shipped).toBe(unit);
  });

  it('passes systemd-analyze verify (with ExecStart pointing at this build)', async () => {
    expect(execStart[0]).toBe('/usr/local/bin/devbinder');
    const copy = join(work.path, 'devbinder-daemon.service');
    await writeFile(copy, unit.replace(/^ExecStart=\S+/m, `ExecStart=${DEVBINDER}`));
    const verified = await run('systemd-analyze', ['verify', copy]);
    expect(verified).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('runs a command line devbinder accepts: without Podman it fails to start with exit 3', async () => {
    const [, ...args] = execStart;
    expect(args).toEqual(['daemon', '--log-format', 'json']);
    const result = await run(process.execPath, [
      DEVBINDER,
      ...args,
      '--podman-socket',
      join(work.path, 'no-podman.sock'),
      '--socket',
      join(work.path, 'daemon.sock'),
      '--state-dir',
      join(work.path, 'state'),
    ]);
    expect(result.exitCode).toBe(3);
    const lines = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      event: 'start-failed',
      message: `no Podman API socket at ${join(work.path, 'no-podman.sock')} (is podman.socket enabled?)`,
    });
  });
});
