import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, run } from '../../../test-support/exec.js';
import {
  bundleConfig,
  type ContainerOptions,
  devbinder,
  type InstalledHook,
  initContainer,
  installHook,
  removeContainer,
  runAs,
  runContainer,
  TEST_IMAGE,
  type User,
} from '../../../test-support/podman.js';
import {
  attachLoop,
  detachLoop,
  type InstalledRules,
  installRules,
  type LoopDevice,
  udevSymlinks,
} from '../../../test-support/udev.js';

/*
 * The hook under real Podman and real udev. There is no USB bus and no seat hardware here, so
 * loop devices play the hardware: each is attached to a small file whose first line names it (a
 * read inside the container proves which device a node really opens), and udev rules give them
 * seats and USB identities:
 *   ftdi     seat1, USB 0403:6001 serial A50285BI, symlink /dev/serial/by-id/devbinder-test-ftdi
 *   other    seat1, USB 0403:6001 serial B0000002 (same model, another adapter)
 *   ch340    seat0 (tag "seat", no ID_SEAT), USB 1a86:7523
 *   spare    no rules: never selected by seat or USB
 *   rootless owned by the rootless test user, so that user's container can open it
 */

const RULES_FILE = '99-devbinder-test.rules';
const ROOTLESS_USER = 'devbinder-rootless';
const FTDI_LINK = '/dev/serial/by-id/devbinder-test-ftdi';
/** A seat no device is on. */
const EMPTY_SEAT = 'seat-devbinder-empty';

const ROLES = ['ftdi', 'other', 'ch340', 'spare', 'rootless'] as const;
type Role = (typeof ROLES)[number];

function rulesFor(loops: Record<Role, LoopDevice>): string {
  const { ftdi, other, ch340, rootless } = loops;
  return [
    `KERNEL=="${ftdi.name}", TAG+="seat", ENV{ID_SEAT}="seat1", ENV{ID_VENDOR_ID}="0403", ENV{ID_MODEL_ID}="6001", ENV{ID_SERIAL_SHORT}="A50285BI", SYMLINK+="serial/by-id/devbinder-test-ftdi"`,
    `KERNEL=="${other.name}", TAG+="seat", ENV{ID_SEAT}="seat1", ENV{ID_VENDOR_ID}="0403", ENV{ID_MODEL_ID}="6001", ENV{ID_SERIAL_SHORT}="B0000002"`,
    `KERNEL=="${ch340.name}", TAG+="seat", ENV{ID_VENDOR_ID}="1a86", ENV{ID_MODEL_ID}="7523", ENV{ID_SERIAL_SHORT}="C0000003"`,
    `KERNEL=="${rootless.name}", OWNER="${ROOTLESS_USER}"`,
    '',
  ].join('\n');
}

const marker = (role: Role) => `devbinder-test:${role}`;

/**
 * Runs inside the container and reports what it sees, one fact per line:
 *   node <type> <path> <major hex>:<minor hex>   every device node under /dev
 *   read <path> <first line>                     a block device that could be opened and read
 *   error <path> <dd's message>                  one that could not
 *   cgroup <rule>                                the devices cgroup's list (cgroup v1)
 */
const INSPECT = `
for type in b c; do
  for node in $(find /dev -type $type); do echo "node $type $node $(stat -c %t:%T "$node")"; done
done
for node in $(find /dev -type b); do
  if dd if="$node" of=/tmp/block bs=512 count=1 2>/tmp/err; then
    echo "read $node $(head -n 1 /tmp/block)"
  else
    echo "error $node $(tail -n 1 /tmp/err)"
  fi
done
if [ -r /sys/fs/cgroup/devices/devices.list ]; then sed 's/^/cgroup /' /sys/fs/cgroup/devices/devices.list; fi
`;

interface View {
  /** `/dev/loop3 b 7:3`, sorted. */
  nodes: string[];
  /** Block device path → first line read, or `error: …`. */
  reads: Record<string, string>;
  cgroup: string[];
  /** Lines the script printed beyond the inspection (from a prefix script). */
  other: string[];
}

function parseView(stdout: string): View {
  const view: View = { nodes: [], reads: {}, cgroup: [], other: [] };
  for (const line of stdout.split('\n').filter((text) => text !== '')) {
    const [kind = '', ...words] = line.split(' ');
    if (kind === 'node') {
      const [type, path, numbers = ''] = words;
      const [major = '', minor = ''] = numbers.split(':');
      view.nodes.push(
        `${path} ${type} ${Number.parseInt(major, 16)}:${Number.parseInt(minor, 16)}`,
      );
    } else if (kind === 'read') view.reads[words[0] ?? ''] = words.slice(1).join(' ');
    else if (kind === 'error') view.reads[words[0] ?? ''] = `error: ${words.slice(1).join(' ')}`;
    else if (kind === 'cgroup') view.cgroup.push(words.join(' '));
    else view.other.push(line);
  }
  view.nodes.sort();
  return view;
}

/** Runs the inspection (after `prefix`) in a container; the container must succeed. */
async function inspect(options: ContainerOptions, prefix = ''): Promise<View> {
  const result = await runContainer(prefix + INSPECT, options);
  if (result.exitCode !== 0) {
    throw new Error(`podman run exited with ${result.exitCode}:\n${result.stderr}${result.stdout}`);
  }
  return parseView(result.stdout);
}

const nodeLine = (device: LoopDevice, path = device.devnode) =>
  `${path} b ${device.major}:${device.minor}`;
const sorted = (lines: string[]) => [...lines].sort();
const loopNodes = (view: View) => view.nodes.filter((node) => node.startsWith('/dev/loop'));
/** The cgroup rules for block major 7 (loop), e.g. `b 7:3 rwm`. */
const loopRules = (view: View) => sorted(view.cgroup.filter((rule) => rule.startsWith('b 7:')));

let work: string;
let hook: InstalledHook;
let rules: InstalledRules | undefined;
const loops = {} as Record<Role, LoopDevice>;
const attached: LoopDevice[] = [];
/** Each node's owner before the rules touched it. */
const owners = new Map<string, { uid: number; gid: number }>();
/** What a container sees without devbinder. */
let baseline: View;

/** Nodes the container has beyond the baseline. */
const added = (view: View) => view.nodes.filter((node) => !baseline.nodes.includes(node));
const seat = (name: string) => ({
  hooksDir: hook.hooksDir,
  annotations: { 'io.dev-binder.udev.seat': name },
});

async function ensureUser(name: string): Promise<User> {
  if ((await run('id', ['-u', name])).exitCode !== 0) {
    // Debian's useradd also allocates the subordinate ids rootless Podman maps.
    await check('useradd', ['--create-home', '--shell', '/bin/sh', name]);
  }
  const uid = Number((await check('id', ['-u', name])).trim());
  const gid = Number((await check('id', ['-g', name])).trim());
  return { name, uid, gid };
}

let rootlessUser: User;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'devbinder-hook-test-'));
  rootlessUser = await ensureUser(ROOTLESS_USER); // before the rules: udev resolves OWNER names at load
  hook = await installHook();
  for (const role of ROLES) {
    const file = join(work, `${role}.img`);
    // A marker line, then zeros: 64 KiB is plenty for a 512-byte read.
    await writeFile(file, Buffer.concat([Buffer.from(`${marker(role)}\n`), Buffer.alloc(65536)]));
    const device = await attachLoop(file);
    attached.push(device);
    owners.set(device.devnode, await stat(device.devnode));
    loops[role] = device;
  }
  rules = await installRules(
    RULES_FILE,
    rulesFor(loops),
    attached.map((device) => device.sysPath),
  );
  baseline = await inspect({});
});

afterAll(async () => {
  try {
    await rules?.remove();
  } finally {
    for (const device of attached) {
      // udev applies OWNER but does not reset it once the rule is gone: restore the node's owner.
      const owner = owners.get(device.devnode);
      if (owner) await chown(device.devnode, owner.uid, owner.gid);
      await detachLoop(device);
    }
    await hook?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  }
});

describe('devbinder hook under rootful Podman', () => {
  it('gives a container on seat1 exactly the seat1 devices, readable and allowed by the cgroup', async () => {
    const { ftdi, other } = loops;
    const view = await inspect(seat('seat1'));
    expect(added(view)).toEqual(sorted([nodeLine(ftdi), nodeLine(other)]));
    expect(view.reads).toEqual({
      [ftdi.devnode]: marker('ftdi'),
      [other.devnode]: marker('other'),
    });
    expect(loopRules(view)).toEqual(sorted([`b 7:${ftdi.minor} rwm`, `b 7:${other.minor} rwm`]));
  });

  it('gives a container on seat0 the loop device tagged "seat" without ID_SEAT', async () => {
    const { ch340 } = loops;
    const view = await inspect(seat('seat0'));
    expect(loopNodes(view)).toEqual([nodeLine(ch340)]);
    expect(view.reads).toEqual({ [ch340.devnode]: marker('ch340') });
    expect(loopRules(view)).toEqual([`b 7:${ch340.minor} rwm`]);
  });

  it('denies a device that was not selected even when the container makes its node', async () => {
    const { ftdi, other, spare } = loops;
    // The host can read it: only the container's device cgroup stands in the way.
    expect(await readFile(spare.devnode).then((data) => data.subarray(0, 20).toString())).toBe(
      marker('spare'),
    );
    const view = await inspect(
      { ...seat('seat1'), podmanArgs: ['--cap-add', 'MKNOD'] },
      `mknod ${spare.devnode} b ${spare.major} ${spare.minor} && echo made ${spare.devnode}\n`,
    );
    expect(view.other).toEqual([`made ${spare.devnode}`]);
    expect(view.reads).toEqual({
      [ftdi.devnode]: marker('ftdi'),
      [other.devnode]: marker('other'),
      [spare.devnode]: `error: dd: can't open '${spare.devnode}': Operation not permitted`,
    });
  });

  it('selects USB devices by vid:pid and by vid:pid:serial', async () => {
    const { ftdi, other, ch340 } = loops;
    const usb = (argument: string) =>
      inspect({ hooksDir: hook.hooksDir, annotations: { 'io.dev-binder.udev.usb': argument } });
    // Independent containers: run them side by side.
    const [model, serial, otherModel] = await Promise.all([
      usb('0403:6001'),
      usb('0403:6001:A50285BI'),
      usb('1a86:7523'),
    ]);
    expect(added(model)).toEqual(sorted([nodeLine(ftdi), nodeLine(other)]));
    expect(added(serial)).toEqual([nodeLine(ftdi)]);
    expect(serial.reads).toEqual({ [ftdi.devnode]: marker('ftdi') });
    expect(added(otherModel)).toEqual([nodeLine(ch340)]);
  });

  it('selects by subsystem with a kernel-name glob', async () => {
    const view = await inspect({
      hooksDir: hook.hooksDir,
      annotations: { 'io.dev-binder.udev.subsystem': 'block:loop*' },
    });
    // Every loop device on the host, as sysfs lists them; no other block device (vda, zram).
    const expected: string[] = [];
    for (const name of (await readdir('/sys/block')).filter((entry) => entry.startsWith('loop'))) {
      const [major, minor] = (await readFile(`/sys/block/${name}/dev`, 'utf8')).trim().split(':');
      expected.push(`/dev/${name} b ${major}:${minor}`);
    }
    expect(added(view)).toEqual(sorted(expected));
  });

  it('gives the union of two labelled annotations of one selector', async () => {
    const { ftdi, ch340 } = loops;
    const view = await inspect({
      hooksDir: hook.hooksDir,
      annotations: {
        'io.dev-binder.udev.usb.ftdi': '0403:6001:A50285BI',
        'io.dev-binder.udev.usb.ch340': '1a86:7523',
      },
    });
    expect(added(view)).toEqual(sorted([nodeLine(ftdi), nodeLine(ch340)]));
  });

  it('with symlinks=true, adds each udev symlink as a node of the same device', async () => {
    const { ftdi } = loops;
    const links = await udevSymlinks(ftdi.devnode);
    expect(links).toContain(FTDI_LINK);
    const view = await inspect({
      hooksDir: hook.hooksDir,
      annotations: {
        'io.dev-binder.udev.usb': '0403:6001:A50285BI',
        'io.dev-binder.symlinks': 'true',
      },
    });
    const paths = [ftdi.devnode, ...links];
    expect(added(view)).toEqual(sorted(paths.map((path) => nodeLine(ftdi, path))));
    expect(view.reads).toEqual(Object.fromEntries(paths.map((path) => [path, marker('ftdi')])));
  });

  it('with policy required, refuses a container whose seat has no devices, naming the annotation', async () => {
    const result = await runContainer('echo started', {
      hooksDir: hook.hooksDir,
      annotations: { 'io.dev-binder.udev.seat': EMPTY_SEAT, 'io.dev-binder.policy': 'required' },
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe('');
    // The runtime cannot exec the refusal the hook made the container's command, and says so.
    expect(result.stderr).toContain(
      `devbinder refused to start this container: io.dev-binder.udev.seat: selected no devices for \\"${EMPTY_SEAT}\\"`,
    );
  });

  it('with policy best-effort, starts a container whose seat has no devices, without devices', async () => {
    const view = await inspect(seat(EMPTY_SEAT));
    expect(view).toEqual(baseline);
  });

  it('leaves a container without devbinder annotations unchanged', async () => {
    const view = await inspect({
      hooksDir: hook.hooksDir,
      // Ends like a selector key: a hooks.d pattern or a parser that is not anchored would bite.
      annotations: { 'org.example.io.dev-binder.udev.seat': 'seat1' },
    });
    expect(view).toEqual(baseline);
    expect(baseline.reads).toEqual({});
  });
});

describe('devbinder hook on its own, fed by hand', () => {
  const hookArgs = () => ['hook', '--cache-dir', hook.cacheDir];

  it('prints a real runtime config without devbinder annotations back unchanged', async () => {
    // Podman's own config.json for a container, as the hook would receive it.
    const id = await initContainer({ annotations: { 'org.example.unrelated': 'yes' } });
    let config: string;
    try {
      config = await bundleConfig(id);
    } finally {
      await removeContainer(id);
    }
    const result = await devbinder(hookArgs(), config);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(config));
  });

  it('refuses a required selection that finds nothing through the command, naming the annotation', async () => {
    // The same refusal as the Podman test above, minus Podman: what the hook itself prints.
    const id = await initContainer();
    let config: string;
    try {
      config = await bundleConfig(id);
    } finally {
      await removeContainer(id);
    }
    const document = JSON.parse(config);
    document.annotations = {
      ...document.annotations,
      'io.dev-binder.udev.seat': EMPTY_SEAT,
      'io.dev-binder.policy': 'required',
    };
    const result = await devbinder(hookArgs(), JSON.stringify(document));
    const refusal = `devbinder refused to start this container: io.dev-binder.udev.seat: selected no devices for "${EMPTY_SEAT}", but io.dev-binder.policy=required expects at least one`;
    // Exit 0: Podman would discard both our stderr and our reason with any other status.
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ...document,
      process: { ...document.process, args: [refusal] },
    });
    expect(result.stderr).toBe(`devbinder hook: ${refusal}\n`);
  });
});

describe('devbinder hook under rootless Podman', () => {
  let userHook: InstalledHook;

  beforeAll(async () => {
    // Rootless Podman works on this machine (runc, cgroupfs, subordinate ids from useradd); if it
    // stops working, this says why before any devbinder assertion does.
    const info = await runAs(rootlessUser, 'podman', ['info']);
    if (info.exitCode !== 0) throw new Error(`rootless podman info failed:\n${info.stderr}`);
    // The user's image store is separate from root's: copy the test image over.
    const archive = join(work, 'image.tar');
    await check('podman', ['save', '--quiet', '--output', archive, TEST_IMAGE]);
    await chown(archive, rootlessUser.uid, rootlessUser.gid);
    await chmod(work, 0o755);
    const loaded = await runAs(rootlessUser, 'podman', ['load', '--quiet', '--input', archive]);
    if (loaded.exitCode !== 0) throw new Error(`rootless podman load failed:\n${loaded.stderr}`);
    userHook = await installHook(rootlessUser);
  });

  afterAll(async () => {
    await userHook?.remove();
  });

  it('bind-mounts the selected device into a rootless container, with no device cgroup rules', async () => {
    const { rootless } = loops;
    const view = await inspect(
      {
        user: rootlessUser,
        hooksDir: userHook.hooksDir,
        annotations: { 'io.dev-binder.udev.subsystem': `block:${rootless.name}` },
      },
      // A user namespace cannot mknod, so the runtime bind-mounts the host's node instead.
      `grep -q " ${rootless.devnode} " /proc/self/mountinfo && echo bind-mounted ${rootless.devnode}\n`,
    );
    expect(view.other).toEqual([`bind-mounted ${rootless.devnode}`]);
    expect(loopNodes(view)).toEqual([nodeLine(rootless)]);
    expect(view.reads).toEqual({ [rootless.devnode]: marker('rootless') });
    // No devices cgroup of its own: rootless containers stay in the user's, which allows all.
    expect(view.cgroup).toEqual(['a *:* rwm']);
  });
});
