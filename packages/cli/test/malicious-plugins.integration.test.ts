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
import { check } from '../../../test-support/exec.js';
import { DEVBINDER, devbinder, runContainer } from '../../../test-support/podman.js';
import { maliciousPluginDir } from '../../plugin-host/test/malicious/build.js';

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

/** Beyond the plugins' own limits: starting node, reading udev, a busy CI machine. */
const SLACK_MS = 5000;

/** The longest a command may take whose slowest selector is `plugin`: its limits, and slack. */
function bound(plugin: string): number {
  const limits: PluginLimits = {
    ...DEFAULT_LIMITS,
    ...CONFIG.limits,
    ...CONFIG.plugins[plugin]?.limits,
  };
  return limits.prepareDeadlineMs + limits.loadDeadlineMs + limits.deadlineMs + SLACK_MS;
}

/** Plugin, argument, what its error must say (the plugin's name is checked separately). */
const CASES: Array<[string, string, RegExp]> = [
  ['loop', 'select', /did not answer within its deadline of 1000 ms \(deadlineMs\)/],
  ['loop', 'interest', /did not answer within its deadline of 1000 ms \(deadlineMs\)/],
  ['slow-start', 'x', /did not load within its deadline of 2000 ms \(loadDeadlineMs\)/],
  ['memory-bomb', 'forever', /ran out of memory: .* of its 64 MiB cap \(memoryMiB\)/],
  ['two-memories', 'x', /ran out of memory: its 2 wasm memories reached [\d.]+ MiB together/],
  ['table-bomb', 'x', /ran out of memory: its 8 tables reached 1000000 entries together/],
  [
    'forbidden-imports',
    'x',
    /must import nothing from the host, but this component imports: .*wasi:filesystem\/types/,
  ],
  ['bad-output', 'out-of-range', /chose device #\d+, but only #0 to #\d+ were offered/],
  ['bad-output', 'duplicate', /chose device #0 \(\/sys\/\S+\) twice/],
  ['bad-output', 'not-json', /answered with text that is not JSON/],
  ['bad-output', 'oversized', /answered select with \d+ bytes, more than the \d+ its input allows/],
  ['bad-output', 'throw-number', /trapped: wasm trap/],
  ['errors', 'megabyte', /x{1024}… \(cut at 1024 of 1048576 bytes, maxMessageBytes\)/],
  ['errors', 'bug', /can't access property "device", missing is null/],
];

let work: string;
let pluginDir: string;
let config: string;
let cacheDir: string;

beforeAll(async () => {
  pluginDir = await maliciousPluginDir();
  work = await mkdtemp(join(tmpdir(), 'devbinder-malicious-cli-'));
  cacheDir = join(work, 'cache');
  config = join(work, 'config.json');
  await writeFile(config, JSON.stringify(CONFIG));
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const options = () => ['--plugin-dir', pluginDir, '--config', config, '--cache-dir', cacheDir];

interface Report {
  devices: Array<{ path: string; selectedBy: Array<{ annotation: string }> }>;
  errors: Array<{ annotation: string; message: string }>;
  verdict: 'start' | 'refuse';
}

/** A command that must end within `bound(slowest)`: bounded time, whatever the plugin does. */
async function timed<T>(slowest: string, command: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await command();
  expect(performance.now() - started).toBeLessThan(bound(slowest));
  return result;
}

function explain(annotations: Record<string, string>, slowest = 'match') {
  return timed(slowest, async () => {
    const result = await devbinder([
      'explain',
      '--json',
      ...options(),
      ...Object.entries(annotations).flatMap(([key, value]) => ['-a', `${key}=${value}`]),
    ]);
    return { ...result, report: JSON.parse(result.stdout || 'null') as Report | null };
  });
}

/** `devbinder hook` on a runtime config with these annotations: its exit code, nodes and stderr. */
function hook(annotations: Record<string, string>, slowest = 'match') {
  return timed(slowest, async () => {
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

describe.each(CASES)('plugin %s (%s)', (plugin, argument, says) => {
  const annotation = `io.dev-binder.udev.${plugin}`;

  it('best-effort: explain reports its error in time, and the container still gets the other devices', async () => {
    const { exitCode, report, stderr } = await explain(
      { [annotation]: argument, [GOOD.key]: GOOD.value },
      plugin,
    );
    expect(exitCode, stderr).toBe(0);
    expect(report?.verdict).toBe('start');
    expect(report?.errors).toHaveLength(1);
    expect(report?.errors[0]?.annotation).toBe(annotation);
    expect(report?.errors[0]?.message).toContain(`plugin "${plugin}": `);
    expect(report?.errors[0]?.message).toMatch(says);
    expect(report?.devices.map(({ path }) => path)).toEqual([GOOD.node]);
  });

  it('required: explain says the hook would refuse the container', async () => {
    const { exitCode, report } = await explain(
      { [annotation]: argument, [GOOD.key]: GOOD.value, 'io.dev-binder.policy': 'required' },
      plugin,
    );
    expect(exitCode).toBe(1);
    expect(report?.verdict).toBe('refuse');
    expect(report?.errors[0]?.message).toMatch(says);
  });

  it('best-effort: the hook adds only the other selector devices and warns, in time', async () => {
    const result = await hook({ [annotation]: argument, [GOOD.key]: GOOD.value }, plugin);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.nodes).toEqual([GOOD.node]);
    expect(result.stderr).toContain(`${annotation}: plugin "${plugin}": `);
    expect(result.stderr).toMatch(says);
  });
});

describe('a plugin that chooses every device', () => {
  it('gets every device node it was offered, and only those', async () => {
    const all = await explain({ 'io.dev-binder.udev.everything': '' }, 'everything');
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.report?.devices.length).toBeGreaterThan(1);
    const block = await explain({ 'io.dev-binder.udev.everything': 'block' }, 'everything');
    const chosen = block.report?.devices.map(({ path }) => path) ?? [];
    expect(chosen).toContain('/dev/loop0');
    // Offered only block devices, it could name nothing else.
    const blockNodes = (await check('sh', ['-c', 'find /dev -type b'])).split('\n');
    for (const path of chosen) expect(blockNodes).toContain(path);
    // The hook gives the container exactly what explain said.
    const given = await hook({ 'io.dev-binder.udev.everything': 'block' }, 'everything');
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
    const { report, exitCode, stderr } = await explain(annotations);
    expect(exitCode, stderr).toBe(0);
    expect(report?.errors).toEqual([]);
    expect(
      report?.devices.map(({ path, selectedBy }) => [path, selectedBy.map((s) => s.annotation)]),
    ).toEqual([
      ['/dev/loop0', ['io.dev-binder.udev.match.first']],
      ['/dev/loop1', ['io.dev-binder.udev.match.second']],
    ]);
    const given = await hook(annotations);
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
      'loop',
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
