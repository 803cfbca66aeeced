import type { CgroupAccessMode, DaemonStatus } from '@devbinder/daemon';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import type { Result } from '../../test-support/exec.js';
import { TEST_IMAGE, TEST_LABEL } from '../../test-support/podman.js';
import {
  characterDevice,
  type DeviceSpec,
  type LabDevice,
  markerFor,
  udevRules,
  validateSpec,
} from './devices.js';
import {
  type Access,
  nodeLine,
  type ProbeTarget,
  type ProbeView,
  parseProbe,
  probeScript,
} from './probe.js';
import { waitFor } from './wait.js';

/** Where a lab host keeps its rules; the name sorts after the distribution's own rules. */
const RULES_FILE = '/etc/udev/rules.d/90-devbinder-lab.rules';
/** The daemon's log (JSON lines) on the lab host, for failures. */
const DAEMON_LOG = '/run/devbinder-lab/daemon.log';
/** Exits 0 while a process runs (a zombie waiting for the lab's PID 1 to reap it does not). */
const ALIVE =
  'alive() { state=$(cut -d" " -f3 "/proc/$1/stat" 2>/dev/null); [ -n "$state" ] && [ "$state" != Z ]; }; alive';
/** How long a lab host may take to boot (udevd, coldplug, the nested test image). */
const BOOT_TIMEOUT_MS = 180_000;

export type Annotations = Readonly<Record<string, string>>;

export interface ContainerView extends ProbeView {
  /** Nodes beyond those of a container without devbinder annotations on the same lab host. */
  added: string[];
}

export interface ProbeOptions {
  /**
   * Which devices to probe, by name (default: every device of the lab host), or as a record kept
   * from before `removeDevice`, to look for what should be gone.
   */
  devices?: readonly (string | LabDevice)[];
  /** Also probe each device's udev symlinks, keyed `name → /dev/link`. */
  links?: boolean;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Podman reads each `--annotation` as a CSV list (a string-slice flag), so `key=a,b` fails with
 * "annotations must be formatted KEY=VALUE": a value with a comma must be written as one quoted
 * CSV field, `"key=a,b"`, as a user would have to.
 */
function annotationArgs(annotations: Annotations): string[] {
  return Object.entries(annotations).flatMap(([key, value]) => {
    const item = `${key}=${value}`;
    return ['--annotation', /[",]/.test(item) ? `"${item.replaceAll('"', '""')}"` : item];
  });
}

/** Removes a zram device; udev's probe may hold it open a moment (EBUSY), so it tries a while. */
function hotRemove(device: LabDevice): string {
  return `(for i in $(seq 50); do
    echo ${device.minor} > /sys/class/zram-control/hot_remove 2>/tmp/hot_remove.err && exit 0
    [ -e ${device.sysPath} ] || exit 0
    sleep 0.1
  done; cat /tmp/hot_remove.err >&2; exit 1)`;
}

/**
 * A privileged container playing a Podman host: its own udevd fed by real kernel uevents, Podman,
 * devbinder as installed by scripts/install.sh, and fake hardware laid down by the scenario.
 * Nested containers it starts are what the scenarios look into.
 */
export class LabHost {
  readonly #container: StartedTestContainer;
  readonly #devices = new Map<string, LabDevice>();
  #baseline: string[] | undefined;
  /** How the running daemon handles device access (`--cgroup-access`); undefined: none started. */
  #daemonAccess: CgroupAccessMode | undefined;

  private constructor(container: StartedTestContainer) {
    this.#container = container;
  }

  /** Starts a lab host from `image` and waits until it has booted. */
  static async start(image: string): Promise<LabHost> {
    const container = await new GenericContainer(image)
      .withPrivilegedMode()
      // Its own network namespace: the lab's udev events stay in it (kernel uevents still come
      // in), and nothing in the lab can reach a network.
      .withNetworkMode('none')
      // The nested Podman's storage on a tmpfs: overlayfs cannot use the container's own
      // overlay root as its upper layer on older kernels (GitHub's runners).
      .withTmpFs({ '/var/lib/containers': 'rw,exec,dev,suid' })
      .withLabels({ [TEST_LABEL]: 'lab' })
      .withWaitStrategy(Wait.forLogMessage(/devbinder-lab: (ready|boot failed)/))
      .withStartupTimeout(BOOT_TIMEOUT_MS)
      .start();
    const host = new LabHost(container);
    const state = (await host.exec('cat /run/devbinder-lab/state')).stdout.trim();
    if (state !== 'ready') {
      const log = (await host.exec('cat /run/devbinder-lab/boot.log')).stdout;
      await container.stop({ timeout: 0 });
      throw new Error(`lab host ${image} did not boot (${state}):\n${log}`);
    }
    return host;
  }

  /** Runs `sh -c script` on the lab host. */
  exec(script: string): Promise<Result> {
    return this.#run(['sh', '-c', script]);
  }

  /** Runs a script that must succeed; `what` names it in the error. Returns stdout. */
  async sh(script: string, what: string): Promise<string> {
    const result = await this.exec(script);
    if (result.exitCode !== 0) {
      throw new Error(
        `lab host: ${what} failed (exit ${result.exitCode}):\n${result.stderr}${result.stdout}`,
      );
    }
    return result.stdout;
  }

  device(name: string): LabDevice {
    const device = this.#devices.get(name);
    if (!device) throw new Error(`no lab device "${name}" (have: ${[...this.#devices.keys()]})`);
    return device;
  }

  /**
   * Lays down devices: makes each (a loop attach or a zram hot_add are real kernel events), then
   * rewrites the udev rules and injects an `add` event for each new device so udev records what
   * the rules say about it.
   */
  async addDevices(specs: Readonly<Record<string, DeviceSpec>>): Promise<LabDevice[]> {
    const added: LabDevice[] = [];
    for (const [name, spec] of Object.entries(specs)) {
      validateSpec(name, spec);
      if (this.#devices.has(name)) throw new Error(`lab device "${name}" exists already`);
      const device = await this.#makeDevice(name, spec);
      this.#devices.set(name, device);
      added.push(device);
    }
    await this.#writeRules();
    await this.trigger(
      'add',
      added.map((device) => device.name),
    );
    for (const device of added) device.links = await this.#links(device);
    return added;
  }

  /**
   * Takes a device away for real: zram hot_remove (the kernel's remove uevent) or a loop detach.
   * The lab's /dev is not devtmpfs, so the node is removed as devtmpfs would.
   */
  async removeDevice(name: string): Promise<void> {
    const device = this.device(name);
    const kind = device.spec.kind ?? 'loop';
    if (kind === 'zram') {
      await this.sh(
        `${hotRemove(device)} && rm -f ${device.devnode}`,
        `hot_remove ${device.kernel}`,
      );
    } else if (kind === 'loop') {
      await this.sh(`losetup --detach ${device.devnode}`, `detach ${device.kernel}`);
    } else {
      throw new Error(`lab device "${name}" is the host's ${device.kernel}: it cannot be removed`);
    }
    this.#devices.delete(name);
    await this.#writeRules();
    await this.sh('udevadm settle', 'udevadm settle');
  }

  /** Injects a udev event (`udevadm trigger --action=…`) for these devices and waits for udev. */
  async trigger(action: 'add' | 'remove' | 'change', names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const paths = names.map((name) => quote(this.device(name).sysPath)).join(' ');
    await this.sh(
      `udevadm trigger --action=${action} ${paths} && udevadm settle`,
      `udevadm trigger --action=${action}`,
    );
  }

  /** What the probe looks for: the devices (all by default) and, on request, their symlinks. */
  targets(options: ProbeOptions = {}): ProbeTarget[] {
    const wanted = options.devices ?? [...this.#devices.keys()];
    return wanted.flatMap((which) => {
      const device = typeof which === 'string' ? this.device(which) : which;
      const name = device.name;
      const { type, major, minor, marker } = device;
      const numbers = { type, major, minor, ...(marker === undefined ? {} : { marker }) };
      const own: ProbeTarget = { label: name, path: device.devnode, ...numbers };
      if (!options.links) return [own];
      return [
        own,
        ...device.links.map((link) => ({ label: `${name} → ${link}`, path: link, ...numbers })),
      ];
    });
  }

  /** The `added` lines a container that got exactly these devices (and their links) shows. */
  expectedNodes(names: readonly string[], options: { links?: boolean } = {}): string[] {
    return this.targets({ devices: names, links: options.links ?? false })
      .map(nodeLine)
      .sort();
  }

  /** `podman run --rm` of the probe with these annotations; throws when the container fails. */
  async run(annotations: Annotations, options: ProbeOptions = {}): Promise<ContainerView> {
    const targets = this.targets(options);
    const result = await this.tryRun(annotations, probeScript(targets));
    if (result.exitCode !== 0) {
      throw new Error(
        `nested podman run exited with ${result.exitCode}:\n${result.stderr}${result.stdout}`,
      );
    }
    return this.#view(result.stdout, targets);
  }

  /** `podman run --rm` of `script` in the nested test image, whatever happens. */
  tryRun(annotations: Annotations, script = 'true'): Promise<Result> {
    return this.#podman(['run', '--rm', ...this.#containerArgs(annotations), 'sh', '-c', script]);
  }

  /** Starts a long-running nested container; returns its id. */
  async startContainer(annotations: Annotations): Promise<string> {
    const args = ['run', '--detach', ...this.#containerArgs(annotations), 'sleep', '86400'];
    const result = await this.#podman(args);
    if (result.exitCode !== 0) {
      throw new Error(`nested podman run --detach failed:\n${result.stderr}`);
    }
    return result.stdout.trim();
  }

  /** Runs the probe in a running nested container. */
  async probe(id: string, options: ProbeOptions = {}): Promise<ContainerView> {
    const targets = this.targets(options);
    const result = await this.#podman(['exec', id, 'sh', '-c', probeScript(targets)]);
    if (result.exitCode !== 0) throw new Error(`podman exec ${id} failed:\n${result.stderr}`);
    return this.#view(result.stdout, targets);
  }

  /** Probes a running container until `device` shows `expected` there (the daemon works on its own time). */
  async waitForAccess(
    id: string,
    device: string | LabDevice,
    expected: Access,
    timeoutMs = 30_000,
  ): Promise<void> {
    const name = typeof device === 'string' ? device : device.name;
    let last: Access | undefined;
    try {
      await waitFor(
        `${name} to be ${expected} in container ${id.slice(0, 12)}`,
        async () => {
          last = (await this.probe(id, { devices: [device] })).access[name];
          return last === expected;
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last seen: ${last}`);
    }
  }

  /** Whether the machine runs cgroup v2 (GitHub's runners) rather than v1 (the CI machine). */
  async cgroupV2(): Promise<boolean> {
    return (await this.exec('test -f /sys/fs/cgroup/cgroup.controllers')).exitCode === 0;
  }

  /**
   * Starts the hot-plug daemon as its systemd unit would (packages/daemon/systemd): Podman's API
   * on /run/podman/podman.sock first (podman.socket there), then `devbinder daemon`, and waits
   * until it answers on its control socket. `cgroupAccess` is its `--cgroup-access`.
   */
  async startDaemon(options: { cgroupAccess?: CgroupAccessMode } = {}): Promise<void> {
    const cgroupAccess = options.cgroupAccess ?? 'write';
    await this.sh(
      `set -e
      if ! [ -S /run/podman/podman.sock ]; then
        mkdir -p /run/podman
        setsid podman system service --time=0 unix:///run/podman/podman.sock \
          </dev/null >>/run/devbinder-lab/podman-api.log 2>&1 &
        for i in $(seq 100); do [ -S /run/podman/podman.sock ] && break; sleep 0.1; done
      fi
      setsid devbinder daemon --log-format json --cgroup-access ${cgroupAccess} \
        </dev/null >>${DAEMON_LOG} 2>&1 &
      echo $! > /run/devbinder-lab/daemon.pid`,
      'start devbinder daemon',
    );
    await waitFor('devbinder daemon to answer on its control socket', async () => {
      if ((await this.exec('devbinder daemon status >/dev/null')).exitCode === 0) return true;
      // An exit (code 3: no Podman, no udevadm) ends the wait with its log.
      if ((await this.exec(`${ALIVE} "$(cat /run/devbinder-lab/daemon.pid)"`)).exitCode !== 0) {
        const log = await this.exec(`cat ${DAEMON_LOG}`);
        throw new Error(`devbinder daemon exited:\n${log.stdout}`);
      }
      return false;
    });
    this.#daemonAccess = cgroupAccess;
  }

  /** Stops the daemon with a signal (SIGKILL: no cleanup at all) and waits until it is gone. */
  async stopDaemon(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.sh(
      `pid=$(cat /run/devbinder-lab/daemon.pid)
      kill -s ${signal.slice(3)} "$pid"
      for i in $(seq 150); do ${ALIVE} "$pid" || exit 0; sleep 0.1; done
      echo "devbinder daemon ($pid) is still running 15 s after SIG${signal.slice(3)}" >&2; exit 1`,
      `stop devbinder daemon (${signal})`,
    );
    this.#daemonAccess = undefined;
  }

  /** `devbinder daemon status --json`. */
  async daemonStatus(): Promise<DaemonStatus> {
    return JSON.parse(await this.sh('devbinder daemon status --json', 'devbinder daemon status'));
  }

  /** The daemon's log so far: one JSON object per line (`--log-format json`). */
  async daemonLog(): Promise<Record<string, unknown>[]> {
    const text = await this.sh(`cat ${DAEMON_LOG}`, 'read the daemon log');
    return text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /**
   * Waits until the daemon withholds a device from a running container whose access was fixed at
   * creation (cgroup v2, or `--cgroup-access=preauthorized-only`) and does not grant the device's
   * major: `daemon status` names the device and the io.dev-binder.hotplug.majors item that would
   * let it in, and the container has no node and cannot open one it makes. Returns that line.
   */
  async waitForWithheld(id: string, device: string | LabDevice): Promise<string> {
    const { devnode, type, major, minor, name } =
      typeof device === 'string' ? this.device(device) : device;
    const says = `${devnode} (${type} ${major}:${minor}) not pre-authorized: add ${type}:${major} to io.dev-binder.hotplug.majors`;
    const line = await waitFor(
      `the daemon to withhold ${name} from container ${id.slice(0, 12)}`,
      async () => {
        const status = await this.daemonStatus();
        const managed = status.containers.find((container) => container.id === id);
        return managed?.problems.find((problem) => problem.startsWith(says));
      },
    );
    await this.waitForAccess(id, device, 'denied');
    return line;
  }

  /**
   * Waits until the running daemon has handled a device that came for a running container which
   * did not pre-authorize its major: where the daemon writes cgroup rules (v1, the default
   * `--cgroup-access=write`) the container gets it, usable; where access was fixed at creation
   * (cgroup v2: GitHub's runners) the daemon withholds it and says why. Returns which it was.
   */
  async waitForHotPlugged(id: string, device: string | LabDevice): Promise<'granted' | 'withheld'> {
    if (this.#daemonAccess === undefined) throw new Error('waitForHotPlugged: no daemon started');
    if (this.#daemonAccess === 'write' && !(await this.cgroupV2())) {
      await this.waitForAccess(id, device, 'granted');
      return 'granted';
    }
    await this.waitForWithheld(id, device);
    return 'withheld';
  }

  /** Copies a directory of this machine into the lab host (Podman's archive API). */
  async copyIn(source: string, target: string): Promise<void> {
    await this.#container.copyDirectoriesToContainer([{ source, target }]);
  }

  /** Whether a nested container is still running. */
  async isRunning(id: string): Promise<boolean> {
    const result = await this.#podman(['inspect', '--format', '{{.State.Running}}', id]);
    return result.exitCode === 0 && result.stdout.trim() === 'true';
  }

  /**
   * Removes nested containers, gives back the kernel's loop and zram devices (they belong to the
   * real machine, not to the container) and stops the lab host. Tries every step; throws after.
   */
  async stop(): Promise<void> {
    const problems: string[] = [];
    const attempt = async (what: string, script: string) => {
      const result = await this.exec(script);
      if (result.exitCode !== 0) problems.push(`${what}: ${result.stderr.trim()}`);
    };
    await attempt('remove nested containers', 'podman rm --all --force --time 0 >/dev/null');
    for (const device of this.#devices.values()) {
      const kind = device.spec.kind ?? 'loop';
      if (kind === 'loop')
        await attempt(`detach ${device.kernel}`, `losetup --detach ${device.devnode}`);
      if (kind === 'zram') {
        await attempt(`hot_remove ${device.kernel}`, hotRemove(device));
      }
    }
    this.#devices.clear();
    await this.#container.stop({ timeout: 5_000 });
    if (problems.length > 0) throw new Error(`lab host cleanup: ${problems.join('; ')}`);
  }

  #podman(args: readonly string[]): Promise<Result> {
    return this.#run(['podman', ...args]);
  }

  /**
   * Runs a command on the lab host, in the cgroup namespace of its PID 1: `podman exec` would
   * otherwise leave it in the one Podman set up, which on cgroup v1 is the machine's (see
   * lab-init.sh), and it would not see cgroups as a process of a real host does.
   */
  async #run(argv: readonly string[]): Promise<Result> {
    const command = ['nsenter', '--target', '1', '--cgroup', '--', ...argv];
    const { stdout, stderr, exitCode } = await this.#container.exec(command);
    return { stdout, stderr, exitCode };
  }

  #containerArgs(annotations: Annotations): string[] {
    return [
      '--network',
      'none',
      // For the probe's denial check: a node the container makes itself must still not open.
      '--cap-add',
      'MKNOD',
      '--label',
      `${TEST_LABEL}=lab-nested`,
      ...annotationArgs(annotations),
      TEST_IMAGE,
    ];
  }

  async #view(stdout: string, targets: readonly ProbeTarget[]): Promise<ContainerView> {
    const view = parseProbe(stdout, targets);
    const baseline = await this.#baselineNodes();
    return { ...view, added: view.nodes.filter((node) => !baseline.includes(node)) };
  }

  /** The nodes of a container without devbinder annotations, once per lab host. */
  async #baselineNodes(): Promise<string[]> {
    if (this.#baseline === undefined) {
      const result = await this.tryRun({}, probeScript([]));
      if (result.exitCode !== 0) {
        throw new Error(`baseline container failed (${result.exitCode}):\n${result.stderr}`);
      }
      this.#baseline = parseProbe(result.stdout, []).nodes;
    }
    return this.#baseline;
  }

  async #makeDevice(name: string, spec: DeviceSpec): Promise<LabDevice> {
    const kind = spec.kind ?? 'loop';
    const marker = markerFor(name);
    const character = characterDevice(kind);
    // Each script prints the kernel name of the device it made or found.
    let script: string;
    if (character) {
      // The kernel has it already (its sysfs entry); the node is made only if /dev lacks it.
      const { deviceClass, kernel } = character;
      script = `set -eu
numbers=$(tr : ' ' < /sys/class/${deviceClass}/${kernel}/dev)
[ -c /dev/${kernel} ] || mknod /dev/${kernel} c $numbers
echo ${kernel}`;
    } else if (kind === 'loop') {
      script = `set -eu
file=/var/lib/devbinder-lab/${name}.img
mkdir -p /var/lib/devbinder-lab
{ printf '%s\\n' ${quote(marker)}; head -c 65536 /dev/zero; } > "$file"
# Another host process may take the free device between find and attach: then try the next.
for attempt in 1 2 3 4 5 6 7 8; do
  dev=$(losetup --find)
  # Podman's /dev is a tmpfs: a loop device the kernel makes on demand has no node here yet.
  [ -b "$dev" ] || mknod "$dev" b $(tr : ' ' < /sys/block/\${dev#/dev/}/dev)
  if losetup "$dev" "$file" 2>/tmp/losetup.err; then echo "\${dev#/dev/}"; exit 0; fi
done
cat /tmp/losetup.err >&2; exit 1`;
    } else {
      script = `set -eu
n=$(cat /sys/class/zram-control/hot_add)
echo 4M > /sys/block/zram$n/disksize
[ -b /dev/zram$n ] || mknod /dev/zram$n b $(tr : ' ' < /sys/block/zram$n/dev)
printf '%s\\n' ${quote(marker)} | dd of=/dev/zram$n bs=512 count=1 conv=sync 2>/dev/null
echo zram$n`;
    }
    const kernel = (await this.sh(script, `make ${kind} device "${name}"`)).trim();
    const subsystem = character?.deviceClass ?? 'block';
    const sysPath =
      subsystem === 'block' ? `/sys/block/${kernel}` : `/sys/class/${subsystem}/${kernel}`;
    const uevent = await this.sh(`cat ${sysPath}/uevent`, `read ${sysPath}/uevent`);
    const field = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(uevent)?.[1];
    const devname = field('DEVNAME');
    const major = Number(field('MAJOR'));
    const minor = Number(field('MINOR'));
    if (devname === undefined || !Number.isInteger(major) || !Number.isInteger(minor)) {
      throw new Error(
        `lab device "${name}": ${sysPath}/uevent has no DEVNAME/MAJOR/MINOR:\n${uevent}`,
      );
    }
    return {
      name,
      spec,
      kernel,
      subsystem,
      devnode: `/dev/${devname}`,
      sysPath,
      type: subsystem === 'block' ? 'b' : 'c',
      major,
      minor,
      ...(subsystem === 'block' ? { marker } : {}),
      links: [],
    };
  }

  async #writeRules(): Promise<void> {
    const rules = udevRules([...this.#devices.values()]);
    await this.sh(
      `cat > ${RULES_FILE} <<'EOF'\n${rules}EOF\nudevadm control --reload`,
      `write ${RULES_FILE}`,
    );
  }

  async #links(device: LabDevice): Promise<string[]> {
    const out = await this.sh(
      `udevadm info --query=symlink --name=${device.devnode}`,
      `udevadm info ${device.devnode}`,
    );
    return out
      .split(/\s+/)
      .filter((link) => link !== '')
      .map((link) => `/dev/${link}`)
      .sort();
  }
}
