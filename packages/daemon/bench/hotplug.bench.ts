/**
 * `pnpm bench` for the hot-plug daemon. Reports; asserts nothing. Needs root, Podman and udevd.
 *
 *  - add latency: from the kernel's add event (the hot_add read that makes a zram device) to the
 *    device being usable inside a running container (a shell there can open /dev/zramN);
 *  - remove latency: from the kernel's remove event (the hot_remove write) to the node being gone
 *    inside the container (the daemon revokes the cgroup rule before it removes the node);
 *  each p50/p99 over 100 devices (after 5 unmeasured ones), with 1 and with 20 managed containers
 *  (the container measured rotates; every container gets every device);
 *  - the hook's wall time with the daemon warm, as hooks.d runs it, against `node -e 0` measured
 *    in the same run (round robin, empty environment); the daemon's own count must show that it
 *    answered every one of those hooks.
 *
 * Inside each container a busybox shell waits on a FIFO for "add N" or "remove N" and answers on
 * another FIFO once the device is usable (or gone), polling every millisecond: the reported
 * latency includes up to that millisecond and the FIFO round trip.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { HOOK_ENTRY } from '../../../test-support/podman.js';
import { type Case, markdownTable, measure, writeResults } from '../../cli/bench/measure.js';
import {
  hostZram,
  hotRemove,
  installHook,
  removeContainersNamed,
  startContainer,
  startDaemon,
  startPodmanService,
  type TestContainer,
  waitUntil,
  workDir,
} from '../test/support/lab.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
/** Hot-plugs before the measured ones: the first ones pay for JIT and plugin tier-up. */
const WARMUP = 5;
const HOOK_RUNS = Number(process.env.BENCH_RUNS ?? 30);
const PREFIX = 'devbinder-bench-hotplug-';
const ZRAM = { 'io.dev-binder.udev.subsystem': 'block:zram*' };
const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
const repo = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Waits inside the container for a device to become usable (a shell can open it), or to go;
 * answers "done". It polls every millisecond without forking: `read -t` on a FIFO held open for
 * reading and writing (so it never ends) is the shell's own sleep, and `true <` its own open.
 */
const PROBE = `
exec 4<> /probe/idle
while read command number < /probe/in; do
  case $command in
    add) until true < /dev/zram$number 2>/dev/null; do read -t 0.001 idle <&4; done ;;
    remove) while [ -e /dev/zram$number ]; do read -t 0.001 idle <&4; done ;;
  esac
  echo done > /probe/out
done
`;

interface Probe {
  container: TestContainer;
  dir: string;
}

async function ask(probe: Probe, request: string): Promise<void> {
  await writeFile(join(probe.dir, 'in'), `${request}\n`);
  const answer = await readFile(join(probe.dir, 'out'), 'utf8');
  if (answer.trim() !== 'done') throw new Error(`probe in ${probe.container.name}: ${answer}`);
}

/** Nearest rank: the p99 of 100 samples is the 99th smallest, not the largest (that is max). */
function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function summarize(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    samples: values.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    allMs: values.map(round),
  };
}

/** Other work on the machine shows in the tail latencies: the report says how busy it was. */
const loadBefore = loadavg();
const work = await workDir('bench-hotplug');
const made = new Set<number>();
const containers: TestContainer[] = [];
const results: Record<string, unknown> = {};
const podman = await startPodmanService(work.path);
/** The daemon runs with the unit's scheduling priority, as it would under systemd. */
const unit = readFileSync(new URL('../systemd/devbinder-daemon.service', import.meta.url), 'utf8');
const nice = Number(/^Nice=(-?\d+)$/m.exec(unit)?.[1] ?? 0);
const daemon = await startDaemon({ dir: work.path, podmanSocket: podman.socket, nice });
try {
  const image = spawnSync(join(repo, 'scripts/build-test-image.sh'), { stdio: 'inherit' });
  if (image.status !== 0) throw new Error('cannot build the test image');
  await removeContainersNamed(PREFIX);
  const hooksDir = await installHook(work.path, daemon.socket);

  const probes: Probe[] = [];
  const startProbes = async (count: number) => {
    while (probes.length < count) {
      const index = probes.length;
      const dir = join(work.path, `probe-${index}`);
      mkdirSync(dir);
      chmodSync(dir, 0o755);
      for (const fifo of ['in', 'out', 'idle']) spawnSync('mkfifo', [join(dir, fifo)]);
      const container = await startContainer({
        name: `${PREFIX}${index}`,
        annotations: ZRAM,
        hooksDir,
        script: PROBE,
        podmanArgs: ['--volume', `${dir}:/probe`],
      });
      containers.push(container);
      probes.push({ container, dir });
    }
  };

  const latencies = async (count: number) => {
    await startProbes(count);
    const add: number[] = [];
    const remove: number[] = [];
    let passesFrom = daemon.logs.length;
    for (let sample = -WARMUP; sample < SAMPLES; sample++) {
      const probe = probes[(sample + WARMUP) % count] as Probe;
      if (sample === 0) passesFrom = daemon.logs.length;
      let started = performance.now();
      const number = Number(readFileSync('/sys/class/zram-control/hot_add', 'utf8').trim());
      made.add(number);
      await ask(probe, `add ${number}`);
      if (sample >= 0) add.push(performance.now() - started);
      // Every other container must have it too before it goes (they all get every device).
      await waitUntil(
        `every container to have zram${number}`,
        async () => {
          const status = await daemon.status();
          const all = status.containers.filter(({ name }) => name.startsWith(PREFIX));
          return all.every(({ devices }) => devices.some(({ minor }) => minor === number));
        },
        20_000,
        5,
      );
      for (let attempt = 0; ; attempt++) {
        started = performance.now();
        try {
          writeFileSync('/sys/class/zram-control/hot_remove', String(number));
          break;
        } catch (error) {
          // udev may still hold the new device open for a moment (its probe).
          if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || attempt > 100) throw error;
          await sleep(5);
        }
      }
      made.delete(number);
      await ask(probe, `remove ${number}`);
      if (sample >= 0) remove.push(performance.now() - started);
    }
    // One record per container changed; one timing per pass.
    const passes = new Map<unknown, Record<string, number>>();
    for (const record of daemon.logs.slice(passesFrom)) {
      if (record.event === 'devices-changed')
        passes.set(record.pass, record.ms as Record<string, number>);
    }
    const laps = (step?: string) =>
      summarize(
        [...passes.values()].map((ms) =>
          step === undefined ? Object.values(ms).reduce((a, b) => a + b, 0) : (ms[step] ?? 0),
        ),
      );
    const daemonPassMs = {
      total: laps(),
      ...Object.fromEntries(['udev', 'decide', 'apply'].map((step) => [step, laps(step)])),
    };
    return { add: summarize(add), remove: summarize(remove), daemonPassMs };
  };

  results.one = await latencies(1);
  results.twenty = await latencies(20);

  const node = process.execPath;
  const hookConfig = JSON.stringify({
    ociVersion: '1.0.2',
    process: { args: ['sh'] },
    annotations: ZRAM,
    linux: { namespaces: [{ type: 'mount' }] },
  });
  // Its own cache: the containers' hooks (installHook) may have written theirs already.
  const cacheDir = join(work.path, 'hook-alone-cache');
  mkdirSync(cacheDir, { mode: 0o700 });
  const hookCases: Case[] = [
    { name: 'node -e 0 (baseline)', command: [node, '-e', '0'] },
    {
      name: 'hook, daemon warm',
      command: [node, HOOK_ENTRY, 'hook', '--daemon-socket', daemon.socket],
      stdin: hookConfig,
    },
    {
      name: 'hook, no daemon (remembered plugin answers)',
      command: [node, HOOK_ENTRY, 'hook', '--no-daemon', '--cache-dir', cacheDir],
      stdin: hookConfig,
    },
  ];
  const hookWarmup = 3;
  const answeredBefore = (await daemon.status()).counters;
  results.hook = measure(hookCases, { runs: HOOK_RUNS, warmup: hookWarmup });
  // The hook falls back to doing the work itself when the daemon declines or is slow, with the
  // same output: only the daemon's count shows that it answered every run of the warm case.
  const answeredAfter = (await daemon.status()).counters;
  const answered = answeredAfter.hookAnswers - answeredBefore.hookAnswers;
  const declined = answeredAfter.hookDeclined - answeredBefore.hookDeclined;
  if (answered !== hookWarmup + HOOK_RUNS || declined !== 0) {
    throw new Error(
      `the daemon answered ${answered} and declined ${declined} of the ${hookWarmup + HOOK_RUNS} warm hook runs: the warm figures would measure the fallback`,
    );
  }

  const row = (name: string, latency: { p50Ms: number; p99Ms: number; maxMs: number }) =>
    `| ${name} | ${latency.p50Ms} | ${latency.p99Ms} | ${latency.maxMs} |`;
  const one = results.one as Awaited<ReturnType<typeof latencies>>;
  const twenty = results.twenty as Awaited<ReturnType<typeof latencies>>;
  const table = [
    `| ${SAMPLES} hot-plugs | p50 ms | p99 ms | max ms |`,
    '| --- | ---: | ---: | ---: |',
    row('add, 1 container', one.add),
    row('add, 20 containers', twenty.add),
    row('remove, 1 container', one.remove),
    row('remove, 20 containers', twenty.remove),
    row('daemon pass with changes, 1 container', one.daemonPassMs.total),
    row('daemon pass with changes, 20 containers', twenty.daemonPassMs.total),
    '',
    markdownTable(results.hook as ReturnType<typeof measure>),
  ].join('\n');
  const report = {
    benchmark: 'hotplug',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    samples: SAMPLES,
    hookRuns: HOOK_RUNS,
    daemonNice: nice,
    hostDevices: (await daemon.status()).udev.devices,
    results,
  };
  const [written] = writeResults(resultsDir, 'hotplug', report, { table, loadBefore });
  console.log(table);
  console.log(`\nwrote ${written}`);
} finally {
  for (const container of containers) await container.remove();
  await daemon.stop();
  await podman.stop();
  for (const number of made) await hotRemove(number);
  console.log(`host zram devices left: ${hostZram().join(' ') || 'none'}`);
  await work.remove();
}
