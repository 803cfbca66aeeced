import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { check, run } from './exec.js';

/**
 * Starts udevd when it is not running (no systemd as PID 1 here) and replays every device, so
 * /run/udev/data holds a full database. Throws when udevd still does not answer.
 */
export async function ensureUdevd(): Promise<void> {
  if ((await run('udevadm', ['control', '--ping'])).exitCode === 0) return;
  const started = await run('/lib/systemd/systemd-udevd', ['--daemon']);
  if (started.exitCode !== 0) {
    throw new Error(`cannot start udevd (/lib/systemd/systemd-udevd --daemon): ${started.stderr}`);
  }
  await check('udevadm', ['trigger', '--action=add']);
  await check('udevadm', ['settle']);
  const ping = await run('udevadm', ['control', '--ping']);
  if (ping.exitCode !== 0) throw new Error(`udevd started but does not answer: ${ping.stderr}`);
}

/** Replays a change event for each sysfs path and waits until udev has written the database. */
export async function replay(sysPaths: readonly string[]): Promise<void> {
  await check('udevadm', ['trigger', '--action=change', ...sysPaths]);
  await check('udevadm', ['settle']);
}

export interface InstalledRules {
  path: string;
  /** Deletes the file and replays the devices again, so their database entries lose the fakes. */
  remove(): Promise<void>;
}

/** Installs a rules file in /etc/udev/rules.d and applies it to the given devices now. */
export async function installRules(
  name: string,
  rules: string,
  sysPaths: readonly string[],
): Promise<InstalledRules> {
  const path = `/etc/udev/rules.d/${basename(name)}`;
  await writeFile(path, rules);
  await check('udevadm', ['control', '--reload']);
  await replay(sysPaths);
  return {
    path,
    async remove() {
      await rm(path, { force: true });
      await check('udevadm', ['control', '--reload']);
      await replay(sysPaths);
    },
  };
}

/** A loop device attached to a backing file: a real block device with real, known content. */
export interface LoopDevice {
  /** `loop3` */
  name: string;
  devnode: string;
  sysPath: string;
  major: number;
  minor: number;
}

/** Attaches `backingFile` to the first free loop device (losetup creates one when none is free). */
export async function attachLoop(backingFile: string): Promise<LoopDevice> {
  const devnode = (await check('losetup', ['--find', '--show', backingFile])).trim();
  const name = basename(devnode);
  const sysPath = `/sys/block/${name}`;
  const [major, minor] = (await readFile(`${sysPath}/dev`, 'utf8')).trim().split(':').map(Number);
  if (major === undefined || minor === undefined) throw new Error(`${sysPath}/dev: no numbers`);
  return { name, devnode, sysPath, major, minor };
}

export async function detachLoop(device: LoopDevice): Promise<void> {
  await run('losetup', ['--detach', device.devnode]);
}

/** The symlinks udev made for a device node (absolute paths), as udev itself reports them. */
export async function udevSymlinks(devnode: string): Promise<string[]> {
  const out = await check('udevadm', ['info', '--query=symlink', `--name=${devnode}`]);
  return out
    .split(/\s+/)
    .filter((link) => link !== '')
    .map((link) => `/dev/${link}`);
}
