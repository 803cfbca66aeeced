/**
 * The malicious-plugin suite through the command line: `devbinder explain` and `devbinder hook`
 * (on this machine's real udev database) and `podman run` with the hook installed. Each bad plugin
 * ends in bounded time with an error naming it and the limit; under best-effort the container
 * still gets what the other selectors chose, under required it does not start.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../../test-support/exec.js';
import { DEVBINDER, devbinder, runContainer } from '../../../test-support/podman.js';
import { maliciousPluginDir } from '../../plugin-host/test/malicious/build.js';

/**
 * The well-behaved annotation beside each bad one: a loop device every machine here has. Bare
 * form: Podman 4 reads --annotation values as CSV, which refuses quotes.
 */
const GOOD = { key: 'io.dev-binder.udev.match', value: 'KERNEL==loop0', node: '/dev/loop0' };

/** Plugin, argument, what its error must say (the plugin's name is checked separately). */
const CASES: Array<[string, string, RegExp]> = [
  ['loop', 'select', /did not answer within its deadline of 1000 ms \(deadlineMs\)/],
  ['loop', 'interest', /did not answer within its deadline of 1000 ms \(deadlineMs\)/],
  ['memory-bomb', 'forever', /ran out of memory: .* of its 64 MiB cap \(memoryMiB\)/],
  [
    'forbidden-imports',
    'x',
    /must import nothing from the host, but this component imports: .*wasi:filesystem\/types/,
  ],
  ['bad-output', 'out-of-range', /chose device #\d+, but only #0 to #\d+ were offered/],
  ['bad-output', 'duplicate', /chose device #0 \(\/sys\/\S+\) twice/],
  ['bad-output', 'throw-number', /trapped: wasm trap/],
  ['errors', 'megabyte', /x{1024}… \(cut at 1024 bytes of 1048576\)/],
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
  // Limits per plugin, as an administrator would set them: a short deadline keeps the loop cases
  // quick, a small memory cap the bomb; handing a megabyte string out of the interpreter takes
  // ~0.7 s by itself. Everyone else gets time: a busy CI machine must not fail the good plugin.
  await writeFile(
    config,
    JSON.stringify({
      limits: { deadlineMs: 10000 },
      plugins: {
        loop: { limits: { deadlineMs: 1000 } },
        'memory-bomb': { limits: { memoryMiB: 64, deadlineMs: 20000 } },
        errors: { limits: { deadlineMs: 10000 } },
      },
    }),
  );
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

async function explain(annotations: Record<string, string>) {
  const result = await devbinder([
    'explain',
    '--json',
    ...options(),
    ...Object.entries(annotations).flatMap(([key, value]) => ['-a', `${key}=${value}`]),
  ]);
  return { ...result, report: JSON.parse(result.stdout || 'null') as Report | null };
}

function runtimeConfig(annotations: Record<string, string>): string {
  return JSON.stringify({
    ociVersion: '1.0.2',
    process: { args: ['sh'] },
    annotations,
    linux: { namespaces: [{ type: 'mount' }] },
  });
}

describe.each(CASES)('plugin %s (%s)', (plugin, argument, says) => {
  const annotation = `io.dev-binder.udev.${plugin}`;

  it('best-effort: explain reports its error, and the container still gets the other devices', async () => {
    const { exitCode, report, stderr } = await explain({
      [annotation]: argument,
      [GOOD.key]: GOOD.value,
    });
    expect(exitCode, stderr).toBe(0);
    expect(report?.verdict).toBe('start');
    expect(report?.errors).toHaveLength(1);
    expect(report?.errors[0]?.annotation).toBe(annotation);
    expect(report?.errors[0]?.message).toContain(`plugin "${plugin}": `);
    expect(report?.errors[0]?.message).toMatch(says);
    expect(report?.devices.map(({ path }) => path)).toEqual([GOOD.node]);
  });

  it('required: explain says the hook would refuse the container', async () => {
    const { exitCode, report } = await explain({
      [annotation]: argument,
      [GOOD.key]: GOOD.value,
      'io.dev-binder.policy': 'required',
    });
    expect(exitCode).toBe(1);
    expect(report?.verdict).toBe('refuse');
    expect(report?.errors[0]?.message).toMatch(says);
  });

  it('best-effort: the hook adds only the other selector devices and warns', async () => {
    const result = await devbinder(
      ['hook', '--no-daemon', ...options()],
      runtimeConfig({ [annotation]: argument, [GOOD.key]: GOOD.value }),
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as { linux: { devices?: Array<{ path: string }> } };
    expect(output.linux.devices?.map(({ path }) => path)).toEqual([GOOD.node]);
    expect(result.stderr).toContain(`${annotation}: plugin "${plugin}": `);
    expect(result.stderr).toMatch(says);
  });
});

describe('a plugin that chooses every device', () => {
  it('gets every device node it was offered, and only those', async () => {
    const all = await explain({ 'io.dev-binder.udev.everything': '' });
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.report?.devices.length).toBeGreaterThan(1);
    const block = await explain({ 'io.dev-binder.udev.everything': 'block' });
    const chosen = block.report?.devices.map(({ path }) => path) ?? [];
    expect(chosen).toContain('/dev/loop0');
    // Offered only block devices, it could name nothing else.
    const blockNodes = (await check('sh', ['-c', 'find /dev -type b'])).split('\n');
    for (const path of chosen) expect(blockNodes).toContain(path);
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
