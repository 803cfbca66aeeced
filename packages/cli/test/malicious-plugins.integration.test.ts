/**
 * The malicious-plugin suite through the command line: `devbinder explain` and `devbinder hook`
 * (on this machine's real udev database) and `podman run` with the hook installed. Each bad plugin
 * ends in bounded time with an error naming it and the limit; under best-effort the container
 * still gets what the other selectors chose, under required it does not start.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type HostConfig, type PluginLimits } from '@devbinder/plugin-host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationFlags } from '../../../test-support/cli.js';
import { check } from '../../../test-support/exec.js';
import { DEVBINDER, devbinder, runContainer } from '../../../test-support/podman.js';
import { MALICIOUS_PLUGINS, maliciousPluginDir } from '../../plugin-host/test/malicious/build.js';
import { MISBEHAVIOURS, type Misbehaviour, reportedError } from './support/malicious-errors.js';

/**
 * The well-behaved annotation beside each bad one: a loop device every machine here has. Bare
 * form: Podman 4 reads --annotation values as CSV, which refuses quotes.
 */
const GOOD = { key: 'io.dev-binder.udev.match', value: 'KERNEL==loop0', node: '/dev/loop0' };

/**
 * Limits per plugin, as an administrator would set them: a short deadline keeps the loop cases
 * quick, a small memory cap the bomb, a short load deadline the plugin that never loads. Everyone
 * else gets time (handing a megabyte string out of the interpreter takes ~0.7 s by itself): a busy
 * CI machine must not fail the good plugin. All within the hook's time budget.
 */
const CONFIG: HostConfig = {
  limits: { deadlineMs: 5000 },
  plugins: {
    loop: { limits: { deadlineMs: 1000 } },
    'memory-bomb': { limits: { memoryMiB: 64 } },
    'slow-start': { limits: { loadDeadlineMs: 2000 } },
  },
};

function limitsOf(plugin: string): PluginLimits {
  return { ...DEFAULT_LIMITS, ...CONFIG.limits, ...CONFIG.plugins[plugin]?.limits };
}

/**
 * Beyond the limit a command runs into: starting node, reading udev, loading the components
 * (compiling a prepared one takes well under a second), the good selector beside it, a busy CI
 * machine. A limit enforced more than this late fails the test, whatever the plugin's other limits.
 */
const SLACK_MS = 5000;

/**
 * The longest a command may take whose slowest selector is `plugin`, its component prepared (see
 * beforeAll): the one limit that ends it (a well-behaved plugin's calls are bounded by its
 * deadline), and slack.
 */
function bound(plugin: string, endsWithin: Misbehaviour['endsWithin'] = 'deadlineMs'): number {
  return (endsWithin === 'none' ? 0 : limitsOf(plugin)[endsWithin]) + SLACK_MS;
}

/**
 * A plugin's first use, nothing prepared: the host's preparation (verify, transpile, cap: seconds
 * for 12 MB) comes first, then loading, then the calls, each within its own limit.
 */
function coldBound(plugin: string): number {
  const { prepareDeadlineMs, loadDeadlineMs, deadlineMs } = limitsOf(plugin);
  return prepareDeadlineMs + loadDeadlineMs + deadlineMs + SLACK_MS;
}

/** An argument each plugin takes without misbehaving, where it has one. */
const HARMLESS: Partial<Record<string, string>> = {
  loop: 'answer',
  'memory-bomb': '0',
  'bad-output': 'fine',
  errors: 'fine',
  everything: 'block',
};

let work: string;
let pluginDir: string;
let config: string;
let cacheDir: string;

const options = (cache = cacheDir) => [
  '--plugin-dir',
  pluginDir,
  '--config',
  config,
  '--cache-dir',
  cache,
];

beforeAll(async () => {
  pluginDir = await maliciousPluginDir();
  work = await mkdtemp(join(tmpdir(), 'devbinder-malicious-cli-'));
  cacheDir = join(work, 'cache');
  config = join(work, 'config.json');
  await writeFile(config, JSON.stringify(CONFIG));
  // Every plugin used once, untimed, so that the timed commands below find its component prepared
  // (or, for forbidden-imports, its refusal recorded) in the cache: their bounds are about the
  // limits, not the first use (which 'a plugin met for the first time' times on its own).
  for (const plugin of [...MALICIOUS_PLUGINS, 'match']) {
    const used = await devbinder([
      'explain',
      '--json',
      ...options(),
      ...annotationFlags({ [`io.dev-binder.udev.${plugin}`]: HARMLESS[plugin] ?? 'x' }),
    ]);
    expect(used.stdout, used.stderr).not.toContain('prepareDeadlineMs');
  }
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Report {
  devices: Array<{ path: string; selectedBy: Array<{ annotation: string }> }>;
  errors: Array<{ annotation: string; message: string }>;
  verdict: 'start' | 'refuse';
}

/** A command that must end within `within` ms: bounded time, whatever the plugin does. */
async function timed<T>(within: number, command: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await command();
  expect(performance.now() - started).toBeLessThan(within);
  return result;
}

function explain(annotations: Record<string, string>, within: number, cache = cacheDir) {
  return timed(within, async () => {
    const result = await devbinder([
      'explain',
      '--json',
      ...options(cache),
      ...annotationFlags(annotations),
    ]);
    return { ...result, report: JSON.parse(result.stdout || 'null') as Report | null };
  });
}

/** `devbinder hook` on a runtime config with these annotations: its exit code, nodes and stderr. */
function hook(annotations: Record<string, string>, within: number) {
  return timed(within, async () => {
    const result = await devbinder(
      ['hook', '--no-daemon', ...options()],
      JSON.stringify({
        ociVersion: '1.0.2',
        process: { args: ['sh'] },
        annotations,
        linux: { namespaces: [{ type: 'mount' }] },
      }),
    );
    const output = JSON.parse(result.stdout || 'null') as {
      linux: { devices?: Array<{ path: string }> };
    } | null;
    return { ...result, nodes: output?.linux.devices?.map(({ path }) => path) };
  });
}

describe.each(MISBEHAVIOURS)('plugin $plugin ($argument)', (misbehaving) => {
  const { plugin, argument, endsWithin } = misbehaving;
  const annotation = `io.dev-binder.udev.${plugin}`;
  const reported = reportedError(misbehaving, limitsOf(plugin));
  const within = bound(plugin, endsWithin);

  it('best-effort: explain reports its error in time, and the container still gets the other devices', async () => {
    const { exitCode, report, stderr } = await explain(
      { [annotation]: argument, [GOOD.key]: GOOD.value },
      within,
    );
    expect(exitCode, stderr).toBe(0);
    expect(report?.verdict).toBe('start');
    expect(report?.errors).toHaveLength(1);
    expect(report?.errors[0]?.annotation).toBe(annotation);
    expect(report?.errors[0]?.message).toMatch(new RegExp(`^${reported.source}`));
    expect(report?.devices.map(({ path }) => path)).toEqual([GOOD.node]);
  });

  it('required: explain says the hook would refuse the container', async () => {
    const { exitCode, report } = await explain(
      { [annotation]: argument, [GOOD.key]: GOOD.value, 'io.dev-binder.policy': 'required' },
      within,
    );
    expect(exitCode).toBe(1);
    expect(report?.verdict).toBe('refuse');
    expect(report?.errors[0]?.message).toMatch(reported);
  });

  it('best-effort: the hook adds only the other selector devices and warns, in time', async () => {
    const result = await hook({ [annotation]: argument, [GOOD.key]: GOOD.value }, within);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.nodes).toEqual([GOOD.node]);
    expect(result.stderr).toContain(`${annotation}: plugin "${plugin}": `);
    expect(result.stderr).toMatch(reported);
  });
});

describe('a plugin met for the first time', () => {
  it('is prepared first, and a runaway still ends within its prepare, load and call deadlines, by its call deadline', async () => {
    // Alone: the good selector's own first use would be the slower one.
    const { exitCode, report, stderr } = await explain(
      { 'io.dev-binder.udev.loop': 'select' },
      coldBound('loop'),
      join(work, 'cold-cache'),
    );
    expect(exitCode, stderr).toBe(0);
    expect(report?.errors).toEqual([
      {
        annotation: 'io.dev-binder.udev.loop',
        message: 'plugin "loop": did not answer within its deadline of 1000 ms (deadlineMs)',
      },
    ]);
  });
});

describe('a plugin that chooses every device', () => {
  it('gets every device node it was offered, and only those', async () => {
    const all = await explain({ 'io.dev-binder.udev.everything': '' }, bound('everything'));
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.report?.devices.length).toBeGreaterThan(1);
    const block = await explain({ 'io.dev-binder.udev.everything': 'block' }, bound('everything'));
    const chosen = block.report?.devices.map(({ path }) => path) ?? [];
    expect(chosen).toContain('/dev/loop0');
    // Offered only block devices, it could name nothing else.
    const blockNodes = (await check('sh', ['-c', 'find /dev -type b'])).split('\n');
    for (const path of chosen) expect(blockNodes).toContain(path);
    // The hook gives the container exactly what explain said.
    const given = await hook({ 'io.dev-binder.udev.everything': 'block' }, bound('everything'));
    expect(given.exitCode, given.stderr).toBe(0);
    expect(given.nodes?.sort()).toEqual([...chosen].sort());
  });
});

describe('several annotations for one plugin (labelled)', () => {
  it('match: two labelled annotations are ORed', async () => {
    const annotations = {
      'io.dev-binder.udev.match.first': 'KERNEL==loop0',
      'io.dev-binder.udev.match.second': 'KERNEL==loop1',
    };
    const { report, exitCode, stderr } = await explain(annotations, bound('match'));
    expect(exitCode, stderr).toBe(0);
    expect(report?.errors).toEqual([]);
    expect(
      report?.devices.map(({ path, selectedBy }) => [path, selectedBy.map((s) => s.annotation)]),
    ).toEqual([
      ['/dev/loop0', ['io.dev-binder.udev.match.first']],
      ['/dev/loop1', ['io.dev-binder.udev.match.second']],
    ]);
    const given = await hook(annotations, bound('match'));
    expect(given.exitCode, given.stderr).toBe(0);
    expect(given.nodes).toEqual(['/dev/loop0', '/dev/loop1']);
  });

  it('one that runs away fails alone: the other still answers', async () => {
    const { report } = await explain(
      {
        'io.dev-binder.udev.loop.runaway': 'select',
        'io.dev-binder.udev.loop.fine': 'answer',
        [GOOD.key]: GOOD.value,
      },
      // The runaway's deadline; the fine call then runs on a fresh worker, well within the slack.
      bound('loop'),
    );
    expect(report?.errors).toEqual([
      {
        annotation: 'io.dev-binder.udev.loop.runaway',
        message: 'plugin "loop": did not answer within its deadline of 1000 ms (deadlineMs)',
      },
    ]);
    expect(report?.devices.map(({ path }) => path)).toEqual([GOOD.node]);
  });
});

describe('under real Podman', () => {
  let hooksDir: string;
  beforeAll(async () => {
    hooksDir = join(work, 'hooks.d');
    await check(process.execPath, [
      DEVBINDER,
      'hook',
      '--print-config',
      '--hooks-dir',
      hooksDir,
      ...options(),
    ]);
  });

  it('best-effort: a runaway plugin costs only its own devices', async () => {
    const result = await runContainer('ls /dev/loop0', {
      hooksDir,
      annotations: { 'io.dev-binder.udev.loop': 'select', [GOOD.key]: GOOD.value },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(GOOD.node);
  });

  it('required: a memory bomb stops the container from starting, saying why', async () => {
    const result = await runContainer('echo started', {
      hooksDir,
      annotations: {
        'io.dev-binder.udev.memory-bomb': 'forever',
        [GOOD.key]: GOOD.value,
        'io.dev-binder.policy': 'required',
      },
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toContain('started');
    expect(`${result.stdout}${result.stderr}`).toMatch(/ran out of memory/);
  });
});
