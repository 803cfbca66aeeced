/**
 * The hook's contract on stdin, and its answer to its own bad input, through the built command as
 * hooks.d runs it: `node dist/hook.cjs hook`, with an empty environment. Nothing here needs root,
 * udevd or Podman (no test reaches a selector), so GitHub's unit job runs it; what the hook does
 * with real devices under real Podman is hook.integration.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Result, run } from '../../../test-support/exec.js';
import { DEVBINDER } from '../../../test-support/podman.js';

const HOOK = join(dirname(DEVBINDER), 'hook.cjs');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devbinder-hook-'));
});

/**
 * Runs the hook like its hooks.d file does (see `hook --print-config`), through either entry; no
 * daemon listens on the socket it is pointed at, so it does the work itself.
 */
function hook(
  input: string | Buffer,
  { args = [], entry = HOOK }: { args?: readonly string[]; entry?: string } = {},
): Promise<Result> {
  const own = ['--cache-dir', join(dir, 'cache'), '--daemon-socket', join(dir, 'none.sock')];
  return run(process.execPath, [entry, 'hook', ...own, ...args], { input, env: {} });
}

/** Exit 2, nothing on stdout, and exactly one line on stderr that says what is wrong. */
function expectBadInput(result: Result, says: string): void {
  expect(result.stdout).toBe('');
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stderr).toMatch(/^devbinder hook: [^\n]+\n$/);
  expect(result.stderr).toContain(says);
}

const annotated = JSON.stringify({
  ociVersion: '1.0.2',
  annotations: { 'io.dev-binder.udev.seat': 'seat0' },
});

describe('the hook on stdin', () => {
  it.each([
    ['invalid JSON', '{"ociVersion": "1.0.2", ', 'config on stdin: not valid JSON'],
    ['empty stdin', '', 'config on stdin: not valid JSON'],
    [
      'an array',
      '[{"ociVersion": "1.0.2"}]',
      'config on stdin: expected a JSON object, got an array',
    ],
    ['a string', '"config.json"', 'config on stdin: expected a JSON object, got a string'],
    ['a number', '12', 'config on stdin: expected a JSON object, got a number'],
    ['null', 'null', 'config on stdin: expected a JSON object, got null'],
  ])('exits 2 for %s', async (_case, input, says) => {
    expectBadInput(await hook(input), says);
  });

  it('exits 2 for more than 16 MiB, without reading all of it', async () => {
    const huge = JSON.stringify({
      ociVersion: '1.0.2',
      annotations: { x: 'a'.repeat(17 * 2 ** 20) },
    });
    expectBadInput(await hook(huge), 'stdin: more than 16 MiB');
  });

  it('hands a config without io.dev-binder.udev.* annotations back as it came', async () => {
    // A uint64 rlimit, as `--ulimit core=-1` makes: JSON.parse would round it.
    const input = `{"ociVersion":"1.0.2","process":{"args":["sh"],"rlimits":[{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615}]},"annotations":{"org.example.io.dev-binder.udev.seat":"seat1"},"linux":{"namespaces":[{"type":"mount"}]}}`;
    const result = await hook(input);
    expect(result).toEqual({ exitCode: 0, stdout: input, stderr: '' });
  });

  it.each([
    ['fields devbinder would reject', '{"linux":{"devices":"x"}}'],
    ['annotations that are no object', '{"annotations":["io.dev-binder.udev.seat=seat0"]}'],
    [
      'devbinder annotations Podman would not run the hook for',
      '{"annotations":{"io.dev-binder.udev.Seat":"seat1","io.dev-binder.policy":"requird"}}',
    ],
  ])('decides from the annotations before anything else: %s pass through', async (_case, input) => {
    const result = await hook(input);
    expect(result).toEqual({ exitCode: 0, stdout: input, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(input));
  });

  it('checks the whole config once it has work to do', async () => {
    const input = JSON.stringify({
      annotations: { 'io.dev-binder.udev.seat': 'seat0' },
      linux: { devices: 'x' },
    });
    expectBadInput(
      await hook(input),
      'config on stdin: linux.devices must be an array, got a string',
    );
  });
});

describe('the hook with a bad --config', () => {
  // Both entries: the plain hook path (hook.cjs, and devbinder.js for `devbinder hook`) fails in
  // hook-full.js, another bundle than the one that reports the failure.
  const entries = [
    ['hook.cjs', HOOK],
    ['devbinder.js', DEVBINDER],
  ] as const;

  it.each(entries)(
    '%s: exits 2 naming the file and the setting that is wrong',
    async (_, entry) => {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ limits: { deadlineMs: 'x' } }));
      expectBadInput(
        await hook(annotated, { entry, args: ['--config', config] }),
        `${config}: "limits.deadlineMs" must be a whole number of milliseconds`,
      );
    },
  );

  it.each(entries)('%s: exits 2 for a file that is no JSON', async (_, entry) => {
    const config = join(dir, 'broken.json');
    writeFileSync(config, '{"limits": ');
    expectBadInput(
      await hook(annotated, { entry, args: ['--config', config] }),
      `${config}: not valid JSON`,
    );
  });

  it.each(entries)('%s: exits 2 for a --config file that is not there', async (_, entry) => {
    const missing = join(dir, 'missing.json');
    expectBadInput(
      await hook(annotated, { entry, args: ['--config', missing] }),
      `cannot read ${missing}: ENOENT`,
    );
  });
});
